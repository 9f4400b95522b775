import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Catalog } from '../../domain/catalog';
import { StartupError } from '../../domain/errors';
import { scrubSecrets } from '../../shared/logger';
import { MODULE_KIND, resolveProvider } from '../../providers/registry';
import { CATALOG_MESSAGES, catalogSchema, toCatalog } from './schema';

export interface CatalogProblem {
  /** Where in the file, like `resources[0].levels[1].maxDuration`. */
  path: string;
  message: string;
}

export type CatalogResult = { ok: true; catalog: Catalog } | { ok: false; problems: CatalogProblem[] };

/**
 * Parses catalog text (YAML, of which JSON is a subset) and reports every problem, not just the first.
 * Provider modules are found relative to `baseDir`, the catalog file's folder.
 */
export function parseCatalog(text: string, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): CatalogResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({ path: where(lines.linePos(e.pos[0])), message: e.message.split('\n')[0] ?? e.message })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    // Well-formed YAML can still fail to resolve: an alias with no anchor, or an alias bomb.
    return { ok: false, problems: [{ path: '(file)', message: (e as Error).message }] };
  }
  const parsed = catalogSchema.safeParse(resolveModulePaths(data, baseDir), { error: CATALOG_MESSAGES });
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
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : (code ?? String(e));
    return { ok: false, problems: [{ path: '(file)', message: `cannot read ${file}: ${reason}` }] };
  }
  return parseCatalog(text, env, path.dirname(path.resolve(file)));
}

/** Loads the catalog or throws one error listing every problem. */
export function loadCatalog(file: string, env: NodeJS.ProcessEnv = process.env): Catalog {
  const result = loadCatalogFile(file, env);
  if (result.ok) return result.catalog;
  throw new StartupError(
    'CATALOG_INVALID',
    `The catalog ${file} is invalid:\n${result.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
  );
}

function missingEnv(catalog: Catalog, env: NodeJS.ProcessEnv): CatalogProblem[] {
  return catalog.resources.flatMap((resource, i) => {
    const { kind, settings } = resolveProvider(resource.provider);
    return kind
      .requiredEnv(settings)
      .filter((name) => !env[name])
      .map((name) => ({ path: `resources[${i}].provider`, message: `environment variable ${name} is not set` }));
  });
}

/**
 * Tries every resource's provider settings against its target (`catalog validate --connect`, and at
 * start-up); one problem per resource that cannot be used, with the reason and no secret.
 */
export async function checkConnections(catalog: Catalog, env: NodeJS.ProcessEnv = process.env): Promise<CatalogProblem[]> {
  const results = await Promise.all(
    catalog.resources.map(async (resource, i) => {
      const { kind, settings } = resolveProvider(resource.provider);
      try {
        await kind.validateConfig(
          settings,
          env,
          resource.levels.map((level) => level.target),
        );
        return [];
      } catch (e) {
        const reason = scrubSecrets(e instanceof Error ? e.message || e.name : String(e));
        return [{ path: `resources[${i}].provider`, message: `cannot use ${resource.id}: ${reason}` }];
      }
    }),
  );
  return results.flat();
}

/** A module provider's path is relative to the catalog file, so a catalog and its providers move together. */
function resolveModulePaths(raw: unknown, baseDir: string): unknown {
  const resources = (raw as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources)) return raw;
  for (const resource of resources as { provider?: Record<string, unknown> }[]) {
    const provider = resource?.provider;
    if (provider?.kind === MODULE_KIND && typeof provider.module === 'string') provider.module = path.resolve(baseDir, provider.module);
  }
  return raw;
}

/** Where a YAML syntax error is, as an editor counts (from 1). */
function where({ line, col }: { line: number; col: number }): string {
  return `line ${line}, column ${col}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
      '',
    ) || '(root)'
  );
}
