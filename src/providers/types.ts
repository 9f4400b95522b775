import type { z } from 'zod';

/** What one grant asks of a provider. Built from the request and the catalog; holds no secrets. */
export interface GrantSpec {
  requestId: number;
  identity: string;
  /** The access level's provider-specific target, already validated by the provider's schema. */
  target: Record<string, unknown>;
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
 */
export interface AccessProvider {
  grant(spec: GrantSpec): Promise<AccessInstructions>;
  revoke(spec: GrantSpec): Promise<void>;
  /** Reads the target: does the identity hold the access now? */
  check(spec: GrantSpec): Promise<boolean>;
  /**
   * Names the permission a grant gives in the target. Grants with the same key share one permission, so
   * one ending must not remove it while another still holds it. Default: identity and target.
   */
  accessKey?(spec: GrantSpec): string;
}

export function accessKeyOf(provider: AccessProvider, spec: GrantSpec): string {
  return provider.accessKey?.(spec) ?? JSON.stringify([spec.identity, spec.target]);
}

interface ProviderDefinition<Settings, Target> {
  kind: string;
  settingsSchema: z.ZodType<Settings>;
  targetSchema: z.ZodType<Target>;
  /** Names of environment variables the settings refer to; each must be set. */
  requiredEnv(settings: Settings): string[];
  create(settings: Settings, env: NodeJS.ProcessEnv): AccessProvider;
}

/** A provider kind as the catalog and the workers see it: raw settings in, parsed inside. */
export interface ProviderKind {
  kind: string;
  settingsSchema: z.ZodType;
  targetSchema: z.ZodType;
  requiredEnv(settings: unknown): string[];
  create(settings: unknown, env: NodeJS.ProcessEnv): AccessProvider;
}

export function defineProviderKind<Settings, Target>(definition: ProviderDefinition<Settings, Target>): ProviderKind {
  const { settingsSchema } = definition;
  return {
    kind: definition.kind,
    settingsSchema,
    targetSchema: definition.targetSchema,
    requiredEnv: (settings) => definition.requiredEnv(settingsSchema.parse(settings)),
    create: (settings, env) => definition.create(settingsSchema.parse(settings), env),
  };
}
