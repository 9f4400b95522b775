import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import type { AccessProvider, Providers } from '../app/ports';
import type { ProviderSettings } from '../domain/catalog';
import type { GrantSpec } from '../domain/grant';
import { StartupError } from '../domain/errors';
import { commandProvider } from './command';
import { mysqlProvider } from './mysql';
import type { ProviderPools } from './pools';
import { postgresProvider } from './postgres';
import { redisAclProvider } from './redis-acl';
import { defineProviderKind, type ProviderDefinition, type ProviderKind } from './types';
import { webhookProvider } from './webhook';

/** The provider kinds this build knows, by the name the catalog uses. */
export const BUILT_IN_KINDS: ReadonlyMap<string, ProviderKind> = new Map(
  [postgresProvider, mysqlProvider, redisAclProvider, webhookProvider, commandProvider].map((p) => [p.kind, p]),
);

/** `provider: { kind: module, module: ./path/to/provider.js, …settings }` loads a provider written elsewhere. */
export const MODULE_KIND = 'module';
export const KNOWN_KINDS = [...BUILT_IN_KINDS.keys(), MODULE_KIND];

export interface ResolvedProvider {
  kind: ProviderKind;
  /** The settings the kind's schema validates: without `module` for a module provider. */
  settings: Record<string, unknown>;
}

/**
 * The kind a resource's provider names, with its settings. Throws a CATALOG_INVALID error whose `field`
 * (`kind` or `module`) says which setting is wrong.
 */
export function resolveProvider(provider: ProviderSettings): ResolvedProvider {
  if (provider.kind === MODULE_KIND) {
    const { module, ...settings } = provider.settings;
    return { kind: loadProviderModule(module), settings };
  }
  const kind = BUILT_IN_KINDS.get(provider.kind);
  if (!kind) {
    throw new StartupError('CATALOG_INVALID', `unknown provider kind "${provider.kind}"; known: ${KNOWN_KINDS.join(', ')}`, 'kind');
  }
  return { kind, settings: provider.settings };
}

/** Told of each grant, revoke and check a provider ran: its kind, the call, whether it succeeded and how long it took. */
export type ProviderCallObserver = (kind: string, call: 'grant' | 'revoke' | 'check', result: 'ok' | 'error', seconds: number) => void;

/** Builds the provider for a resource, on the process's admin connection pools; the catalog has already validated its settings. */
export function createProviderFactory(env: NodeJS.ProcessEnv, pools?: ProviderPools, observe?: ProviderCallObserver): Providers {
  return (resource) => {
    const { kind, settings } = resolveProvider(resource.provider);
    const provider = kind.create(settings, env, { levelTargets: resource.levels.map((level) => level.target), pools });
    return observe ? observed(provider, kind.kind, observe) : provider;
  };
}

/** The provider with its grant, revoke and check timed and reported; the rest as it is. */
function observed(provider: AccessProvider, kind: string, observe: ProviderCallObserver): AccessProvider {
  const timed =
    <R>(call: 'grant' | 'revoke' | 'check', run: (spec: GrantSpec) => Promise<R>) =>
    async (spec: GrantSpec): Promise<R> => {
      const started = performance.now();
      const report = (result: 'ok' | 'error') => observe(kind, call, result, (performance.now() - started) / 1000);
      try {
        const answer = await run(spec);
        report('ok');
        return answer;
      } catch (e) {
        report('error');
        throw e;
      }
    };
  const calls: Partial<Record<PropertyKey, unknown>> = {
    grant: timed('grant', (spec) => provider.grant(spec)),
    revoke: timed('revoke', (spec) => provider.revoke(spec)),
    check: timed('check', (spec) => provider.check(spec)),
  };
  // Every other member (accessKey, holders, sessions, any added later) is the provider's own, called on it.
  return new Proxy(provider, {
    get(target, property) {
      if (property in calls) return calls[property];
      const member: unknown = Reflect.get(target, property);
      return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(target) : member;
    },
  });
}

const loadedModules = new Map<string, ProviderKind>();
const loadModule = createRequire(__filename);

const isFunction = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `must be a function (${what})`);
const isSchema = z.custom<z.ZodType>((v) => typeof (v as { safeParse?: unknown } | null)?.safeParse === 'function', 'must be a zod schema');

/** What a provider module must export (as `module.exports` or `default`); see docs/writing-a-provider.md. */
const definitionShape = z.object({
  kind: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a lower-case name'),
  settingsSchema: isSchema,
  targetSchema: isSchema,
  identityPattern: z.union([z.string().refine(isRegExp, 'must be a valid regular expression'), isFunction('settings → pattern')]),
  requiredEnv: isFunction('settings → names').optional(),
  validateConfig: isFunction('(settings, env) → Promise'),
  create: isFunction('(settings, env) → provider'),
});

function loadProviderModule(file: unknown): ProviderKind {
  if (typeof file !== 'string' || !path.isAbsolute(file)) {
    throw new StartupError('CATALOG_INVALID', 'must be the path of a CommonJS module exporting a provider definition', 'module');
  }
  const known = loadedModules.get(file);
  if (known) return known;
  let exported: { default?: unknown };
  try {
    exported = loadModule(file) as { default?: unknown };
  } catch (e) {
    throw new StartupError('CATALOG_INVALID', `cannot load ${file}: ${(e as Error).message.split('\n')[0]}`, 'module');
  }
  const definition = definitionShape.safeParse(exported.default ?? exported);
  if (!definition.success) {
    const problems = definition.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new StartupError('CATALOG_INVALID', `${file} does not export a provider definition: ${problems}`, 'module');
  }
  const kind = defineProviderKind(definition.data as unknown as ProviderDefinition<unknown, unknown>);
  loadedModules.set(file, kind);
  return kind;
}

export function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
