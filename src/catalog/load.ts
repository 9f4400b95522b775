import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Catalog } from '../domain/catalog';
import { ProdAccessError } from '../domain/errors';
import { PROVIDER_KINDS } from '../providers/registry';
import { catalogSchema, toCatalog } from './schema';

export interface CatalogProblem {
  /** Where in the file, like `resources[0].levels[1].maxDuration`. */
  path: string;
  message: string;
}

export type CatalogResult = { ok: true; catalog: Catalog } | { ok: false; problems: CatalogProblem[] };

/** Parses catalog text (YAML, of which JSON is a subset) and reports every problem, not just the first. */
export function parseCatalog(text: string, env: NodeJS.ProcessEnv = process.env): CatalogResult {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => ({ path: '(file)', message: e.message.split('\n')[0] ?? e.message })) };
  }
  const parsed = catalogSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  }
  const catalog = toCatalog(parsed.data);
  const problems = missingEnv(catalog, env);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, catalog };
}

export function loadCatalogFile(file: string, env: NodeJS.ProcessEnv = process.env): CatalogResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, problems: [{ path: '(file)', message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}` }] };
  }
  return parseCatalog(text, env);
}

/** Loads the catalog or throws one error listing every problem. */
export function loadCatalog(file: string, env: NodeJS.ProcessEnv = process.env): Catalog {
  const result = loadCatalogFile(file, env);
  if (result.ok) return result.catalog;
  throw new ProdAccessError(
    'CATALOG_INVALID',
    `The catalog ${file} is invalid:\n${result.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
  );
}

function missingEnv(catalog: Catalog, env: NodeJS.ProcessEnv): CatalogProblem[] {
  return catalog.resources.flatMap((resource, i) =>
    (PROVIDER_KINDS.get(resource.provider.kind)?.requiredEnv(resource.provider.settings) ?? [])
      .filter((name) => !env[name])
      .map((name) => ({ path: `resources[${i}].provider`, message: `environment variable ${name} is not set` })),
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
      '',
    ) || '(root)'
  );
}
