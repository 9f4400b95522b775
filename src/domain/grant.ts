import { type AccessLevel, type Catalog, entryOf, type Resource } from './catalog';
import type { RequestStatus } from './lifecycle';
import type { AccessRequestRecord } from './request';

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

/** What a provider needs to apply, read back or remove one request's access. */
export function specOf(resource: Resource, level: AccessLevel, request: AccessRequestRecord, expiresAt: Date): GrantSpec {
  return {
    requestId: request.id,
    resourceId: resource.id,
    levelId: level.id,
    identity: request.targetIdentity,
    target: level.target,
    expiresAt,
  };
}

/** The spec of a stored request from its catalog entry, with the resource whose provider serves it. */
export function catalogSpec(catalog: Catalog, request: AccessRequestRecord, expiresAt: Date): { resource: Resource; spec: GrantSpec } {
  const { resource, level } = entryOf(catalog, request);
  return { resource, spec: specOf(resource, level, request, expiresAt) };
}

/**
 * The permission a grant gives in its target, as its provider names it (`accessKey`). Sharing a permission
 * must be declared: assuming it would leave a per-request user behind, so the default is one per request.
 */
export function accessKeyOf(provider: { accessKey?(spec: GrantSpec): string }, spec: GrantSpec): string {
  return provider.accessKey?.(spec) ?? `request ${spec.requestId}`;
}

/**
 * The status of a live grant. REVOKE_FAILED also holds access, but it is a grant being taken away, not a
 * live one; db/ derives its query for live grants from this and `isLive`.
 */
export const LIVE_STATUS = 'ACTIVE' satisfies RequestStatus;

/** A live grant: its access is applied, nobody has asked for it back, and its expiry is still ahead. */
export function isLive(request: Pick<AccessRequestRecord, 'status' | 'endedBy' | 'expiresAt'>, now: Date): boolean {
  return request.status === LIVE_STATUS && request.endedBy === null && request.expiresAt !== null && request.expiresAt > now;
}
