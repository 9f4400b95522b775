import type { z } from 'zod';
import type { AccessProvider } from '../app/ports';
import { PermanentError, ProdAccessError } from '../domain/errors';
import type { GrantSpec } from '../domain/grant';
import { SESSIONS_LISTED } from '../domain/sessions';
import type { ProviderPools } from './pools';
import { readingSessions } from './support';

/**
 * The provider contract. A provider kind (built in, or a module named by the catalog) is a
 * `ProviderDefinition`; `defineProviderKind` turns it into the `ProviderKind` the catalog and the workers
 * use. docs/writing-a-provider.md explains it with an example. A provider implements the use-cases' port
 * `AccessProvider`, for the grant spec the domain builds; both are part of this contract.
 */
export type { AccessProvider } from '../app/ports';
export type { AccessInstructions, GrantSpec } from '../domain/grant';
export type { TargetSession } from '../domain/sessions';

/** What the catalog tells a provider about the resource it serves. */
export interface ProviderContext<Target = Record<string, unknown>> {
  /** The targets of the resource's levels, so a provider can refuse an identity that is itself one of them. */
  levelTargets: Target[];
  /** The process's admin connection pools (built-in kinds use them; closed at shutdown); without them, a connection per call. */
  pools?: ProviderPools;
}

/** What a provider kind declares; the public contract for providers written outside this repository. */
export interface ProviderDefinition<Settings, Target> {
  /** The name the catalog uses in `provider.kind`. */
  kind: string;
  /** The resource's `provider` settings without `kind` (and `module`). Secrets only as names of env variables. */
  settingsSchema: z.ZodType<Settings>;
  /** A level's `target`. */
  targetSchema: z.ZodType<Target>;
  /**
   * A regular expression every identity must match, so a Slack profile never turns into a name the target
   * would misread. Checked at request time (before any approver is asked) and again before each call.
   */
  identityPattern: string | ((settings: NoInfer<Settings>) => string);
  /** Names of environment variables the settings refer to; each must be set. Default: none. */
  requiredEnv?(settings: NoInfer<Settings>): string[];
  /**
   * Tries the settings against the target (connects, authenticates) and, where that is cheap, that what the
   * levels name is there (a role exists); throws saying what is wrong.
   */
  validateConfig(settings: NoInfer<Settings>, env: NodeJS.ProcessEnv, levelTargets: NoInfer<Target>[]): Promise<void>;
  create(settings: NoInfer<Settings>, env: NodeJS.ProcessEnv, context: ProviderContext<NoInfer<Target>>): AccessProvider<NoInfer<Target>>;
}

/** A provider kind as the catalog and the workers see it: raw settings and specs in, parsed inside. */
export interface ProviderKind {
  kind: string;
  settingsSchema: z.ZodType;
  targetSchema: z.ZodType;
  identityPattern(settings: unknown): string;
  requiredEnv(settings: unknown): string[];
  /** `levelTargets` (the resource's levels' targets) defaults to none. */
  validateConfig(settings: unknown, env: NodeJS.ProcessEnv, levelTargets?: unknown[]): Promise<void>;
  /** `context` defaults to a resource without levels. */
  create(settings: unknown, env: NodeJS.ProcessEnv, context?: ProviderContext): AccessProvider;
}

export function defineProviderKind<Settings, Target>(definition: ProviderDefinition<Settings, Target>): ProviderKind {
  const parseSettings = (settings: unknown) => definition.settingsSchema.parse(settings);
  const identityPattern = (settings: Settings) =>
    typeof definition.identityPattern === 'string' ? definition.identityPattern : definition.identityPattern(settings);
  return {
    kind: definition.kind,
    settingsSchema: definition.settingsSchema,
    targetSchema: definition.targetSchema,
    identityPattern: (settings) => identityPattern(parseSettings(settings)),
    requiredEnv: (settings) => definition.requiredEnv?.(parseSettings(settings)) ?? [],
    validateConfig: (settings, env, levelTargets = []) =>
      definition.validateConfig(
        parseSettings(settings),
        env,
        levelTargets.map((target) => definition.targetSchema.parse(target)),
      ),
    create: (raw, env, context) => {
      const settings = parseSettings(raw);
      // The catalog has validated every level's target already.
      const levelTargets = (context?.levelTargets ?? []).map((target) => definition.targetSchema.parse(target));
      const provider = definition.create(settings, env, { levelTargets, pools: context?.pools });
      const pattern = new RegExp(identityPattern(settings));
      // Every call re-checks what it is given, so nothing unvalidated reaches a query or a command line.
      const checked = (spec: GrantSpec): GrantSpec<Target> => {
        if (!pattern.test(spec.identity)) {
          throw new PermanentError(
            'INVALID_IDENTITY',
            `"${spec.identity}" is not a valid ${definition.kind} identity (it must match ${pattern.source}).`,
          );
        }
        const target = definition.targetSchema.safeParse(spec.target);
        if (!target.success) {
          const problems = target.error.issues.map((i) => `${i.path.join('.') || 'target'}: ${i.message}`).join('; ');
          throw new PermanentError('TARGET_REJECTED', `The ${definition.kind} target of ${spec.levelId} is invalid: ${problems}`);
        }
        return { ...spec, target: target.data };
      };
      return {
        grant: (spec) => refusalsAsPermanent(async () => provider.grant(checked(spec))),
        revoke: (spec) => refusalsAsPermanent(async () => provider.revoke(checked(spec))),
        check: (spec) => refusalsAsPermanent(async () => provider.check(checked(spec))),
        ...(provider.accessKey && { accessKey: (spec: GrantSpec) => provider.accessKey!(checked(spec)) }),
        ...(provider.holders && {
          holders: (target: Record<string, unknown>) =>
            refusalsAsPermanent(async () => provider.holders!(definition.targetSchema.parse(target))),
        }),
        // Bounded here for every provider, a module's too: within a timeout, at most SESSIONS_LISTED.
        ...(provider.sessions && {
          sessions: (spec: GrantSpec) =>
            readingSessions(`${spec.identity} (request ${spec.requestId})`, async () =>
              (await provider.sessions!(checked(spec))).slice(0, SESSIONS_LISTED),
            ),
        }),
        ...(provider.describeLevel && {
          describeLevel: async (target: Record<string, unknown>) => provider.describeLevel!(definition.targetSchema.parse(target)),
        }),
      };
    },
  };
}

/**
 * A provider module cannot share our error classes, so any error it throws with `code: 'TARGET_REJECTED'`
 * is a PermanentError too; everything else is retried as before.
 */
async function refusalsAsPermanent<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!(e instanceof ProdAccessError) && (e as { code?: unknown } | null)?.code === 'TARGET_REJECTED') {
      throw new PermanentError('TARGET_REJECTED', (e as Error).message);
    }
    throw e;
  }
}
