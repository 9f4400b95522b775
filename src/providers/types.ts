import type { z } from 'zod';
import { PermanentError, ProdAccessError } from '../domain/errors';

/**
 * The provider contract. A provider kind (built in, or a module named by the catalog) is a
 * `ProviderDefinition`; `defineProviderKind` turns it into the `ProviderKind` the catalog and the workers
 * use. docs/writing-a-provider.md explains it with an example.
 */

/** What one grant asks of a provider. Built from the request and the catalog; holds no secrets. */
export interface GrantSpec<Target = Record<string, unknown>> {
  requestId: number;
  resourceId: string;
  levelId: string;
  /** The requester's identity in the target, already mapped and checked against the kind's identity pattern. */
  identity: string;
  /** The access level's provider-specific target, already validated by the provider's target schema. */
  target: Target;
  expiresAt: Date;
}

/** How the requester uses the access; shown only in the requester's DM. */
export interface AccessInstructions {
  lines: string[];
  /** A one-time credential; delivered once by DM, never stored or logged. */
  oneTimeSecret?: string;
}

/**
 * One permission target. Every call is idempotent: granting twice is one grant, revoking something
 * absent is fine. Connections are opened and closed per call so a provider holds nothing between jobs.
 * Throw `PermanentError('TARGET_REJECTED', …)` when the target refuses for good (retrying cannot help);
 * anything else (`ProviderError`, a driver's error) is retried.
 */
export interface AccessProvider<Target = Record<string, unknown>> {
  grant(spec: GrantSpec<Target>): Promise<AccessInstructions>;
  revoke(spec: GrantSpec<Target>): Promise<void>;
  /** Reads the target: does the identity hold the access now? */
  check(spec: GrantSpec<Target>): Promise<boolean>;
  /**
   * Names the permission a grant gives in the target. Grants of the same identity with the same key share
   * one permission, so one ending must not remove it while another still holds it. Providers made with defineProviderKind
   * default to one key per request (each grant is revoked on its own): a provider whose overlapping grants
   * share one permission (PostgreSQL grant-role) says so here.
   */
  accessKey?(spec: GrantSpec<Target>): string;
  /**
   * Optional, for the drift check: every permission the target holds for a level's target, named as
   * `accessKey` names them. Access found here that no live grant covers is reported.
   */
  holders?(target: Target): Promise<string[]>;
}

/** Sharing a permission must be declared: assuming it would leave a per-request user behind. */
export function accessKeyOf(provider: AccessProvider, spec: GrantSpec): string {
  return provider.accessKey?.(spec) ?? `request ${spec.requestId}`;
}

/** What the catalog tells a provider about the resource it serves. */
export interface ProviderContext<Target = Record<string, unknown>> {
  /** The targets of the resource's levels, so a provider can refuse an identity that is itself one of them. */
  levelTargets: Target[];
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
  /** Tries the settings against the target (connects, authenticates); throws saying what is wrong. */
  validateConfig(settings: NoInfer<Settings>, env: NodeJS.ProcessEnv): Promise<void>;
  create(settings: NoInfer<Settings>, env: NodeJS.ProcessEnv, context: ProviderContext<NoInfer<Target>>): AccessProvider<NoInfer<Target>>;
}

/** A provider kind as the catalog and the workers see it: raw settings and specs in, parsed inside. */
export interface ProviderKind {
  kind: string;
  settingsSchema: z.ZodType;
  targetSchema: z.ZodType;
  identityPattern(settings: unknown): string;
  requiredEnv(settings: unknown): string[];
  validateConfig(settings: unknown, env: NodeJS.ProcessEnv): Promise<void>;
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
    validateConfig: (settings, env) => definition.validateConfig(parseSettings(settings), env),
    create: (raw, env, context) => {
      const settings = parseSettings(raw);
      // The catalog has validated every level's target already.
      const levelTargets = (context?.levelTargets ?? []).map((target) => definition.targetSchema.parse(target));
      const provider = definition.create(settings, env, { levelTargets });
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
