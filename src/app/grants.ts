import { type AccessLevel, type Catalog, entryOf, findEntry, type Resource } from '../domain/catalog';
import { PermanentError, ProviderError, UserError } from '../domain/errors';
import { endStatus, HOLDS_ACCESS, statusWords } from '../domain/lifecycle';
import { authorizeEarlyRevoke } from '../domain/policy';
import { type AccessRequestRecord, pastPendingTimeout, TIMED_OUT_ENTRY } from '../domain/request';
import type { RequestRepository } from '../db/requests';
import type { ProviderFactory } from '../providers/registry';
import { accessKeyOf, type AccessProvider, type GrantSpec } from '../providers/types';
import type { AccessDelivery, AccessSchedule, Announcements, Clock, Directory } from './ports';

export interface GrantDeps {
  catalog: Catalog;
  requests: Pick<RequestRepository, 'get' | 'transition' | 'requestRevoke' | 'liveOn'>;
  providers: ProviderFactory;
  schedule: Pick<AccessSchedule, 'revokeAt' | 'revokeNow'>;
  announcements: Announcements;
  delivery: AccessDelivery;
  clock: Clock;
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

function grantSpec(catalog: Catalog, request: AccessRequestRecord, expiresAt: Date) {
  const { resource, level } = entryOf(catalog, request);
  return { resource, spec: specOf(resource, level, request, expiresAt) };
}

/**
 * Removes a grant's access from the target unless another live grant (active, or approved and being
 * applied) holds the same permission: overlapping grants end only when the last of them does.
 * Returns the id of the covering request when the access was kept.
 */
async function removeUnlessCovered(
  deps: Pick<GrantDeps, 'catalog' | 'requests' | 'clock'>,
  request: AccessRequestRecord,
  provider: AccessProvider,
  spec: GrantSpec,
): Promise<number | undefined> {
  const key = accessKeyOf(provider, spec);
  const now = deps.clock.now();
  // A permission belongs to one identity, so only that identity's other grants can hold it.
  const others = await deps.requests.liveOn(request.resourceId, now, { identity: request.targetIdentity, exceptId: request.id });
  const cover = others.find((other) => {
    const entry = findEntry(deps.catalog, other);
    return entry !== undefined && accessKeyOf(provider, specOf(entry.resource, entry.level, other, spec.expiresAt)) === key;
  });
  if (cover) return cover.id;
  await provider.revoke(spec);
  return undefined;
}

/** The grant job: applies the permission, starts the clock, schedules the revoke. Safe to run twice. */
export function applyGrant(deps: GrantDeps) {
  return async (requestId: number): Promise<void> => {
    const request = await deps.requests.get(requestId);
    if (request?.status === 'ACTIVE') {
      await deps.schedule.revokeAt(requestId, request.expiresAt!);
      // The run before stopped between recording the grant and its DM.
      if (!request.accessDeliveredAt) await deps.announcements.accessInstructions(requestId);
      return;
    }
    if (request?.status !== 'APPROVED') return;
    const now = deps.clock.now();
    const expiresAt = new Date(now.getTime() + request.durationSeconds * 1000);
    const { resource, spec } = grantSpec(deps.catalog, request, expiresAt);
    const provider = deps.providers(resource);
    const access = await provider.grant(spec);
    const recorded = await deps.requests.transition(
      requestId,
      'ACTIVE',
      { grantedAt: now, expiresAt, accessLines: access.lines, accessSecretIssued: access.oneTimeSecret !== undefined },
      { actor: 'system', action: 'granted', detail: { identity: spec.identity, target: spec.target, expiresAt: expiresAt.toISOString() } },
    );
    if (!recorded) {
      // Revoked while the grant was being applied: take back what was just given.
      await removeUnlessCovered(deps, request, provider, spec);
      return;
    }
    await deps.schedule.revokeAt(requestId, expiresAt);
    await deps.announcements.requestChanged(requestId);
    await deps.announcements.audited([recorded.auditEventId]);
    try {
      await deps.delivery.deliverAccess(requestId, access.lines, access.oneTimeSecret);
    } catch (error) {
      // The secret lives only in this run and is never queued; the instructions go again from the database.
      await deps.announcements.accessInstructions(requestId);
      throw error;
    }
  };
}

/** The grant job gave up: the request fails with its reason, and nothing is left behind in the target. */
export function failGrant(deps: GrantDeps) {
  return async (requestId: number, reason: string): Promise<void> => {
    const recorded = await deps.requests.transition(
      requestId,
      'FAILED',
      { failureReason: reason },
      { actor: 'system', action: 'grant_failed', detail: { reason } },
    );
    if (!recorded) return;
    await deps.announcements.requestChanged(requestId, 'failed');
    await deps.announcements.audited([recorded.auditEventId]);
    // A grant that failed halfway may have applied part of itself.
    const { resource, spec } = grantSpec(deps.catalog, recorded.request, deps.clock.now());
    await removeUnlessCovered(deps, recorded.request, deps.providers(resource), spec);
  };
}

/**
 * The grant job: a failure the queue will retry is rethrown; a final one (`isFinal`, the job's retry policy:
 * its last try, or a refusal retrying cannot mend) fails the request with the reason.
 */
export function grantOrFail(deps: GrantDeps) {
  const grant = applyGrant(deps);
  const fail = failGrant(deps);
  return async (requestId: number, isFinal: (error: unknown) => boolean): Promise<void> => {
    try {
      await grant(requestId);
    } catch (error) {
      if (!isFinal(error)) throw error;
      await fail(requestId, error instanceof Error ? error.message : String(error));
    }
  };
}

export type RevokeOutcome = 'revoked' | 'not_due' | 'nothing_to_do';

/**
 * The revoke job: removes the access, reads the target back to verify, and records the end.
 * A failure marks the request REVOKE_FAILED (announced once) and rethrows so the queue retries.
 */
export function revokeGrant(deps: GrantDeps) {
  return async (requestId: number): Promise<RevokeOutcome> => {
    const request = await deps.requests.get(requestId);
    if (!request || !HOLDS_ACCESS.includes(request.status)) return 'nothing_to_do';
    const now = deps.clock.now();
    const expiresAt = request.expiresAt!;
    if (!request.endedBy && expiresAt > now) {
      await deps.schedule.revokeAt(requestId, expiresAt);
      return 'not_due';
    }
    const { resource, spec } = grantSpec(deps.catalog, request, expiresAt);
    const provider = deps.providers(resource);
    let coveredBy: number | undefined;
    try {
      coveredBy = await removeUnlessCovered(deps, request, provider, spec);
      if (coveredBy === undefined && (await provider.check(spec))) {
        throw new ProviderError('PROVIDER_ERROR', 'the access was still present when read back after the revoke');
      }
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      const failed = await deps.requests.transition(
        requestId,
        'REVOKE_FAILED',
        { failureReason: reason },
        { actor: 'system', action: 'revoke_failed', detail: { reason } },
      );
      if (failed) {
        await deps.announcements.requestChanged(requestId);
        await deps.announcements.audited([failed.auditEventId]);
      }
      throw e;
    }
    const to = endStatus(request.endedBy);
    const recorded = await deps.requests.transition(
      requestId,
      to,
      { endedAt: now, failureReason: null },
      {
        actor: request.endedBy ?? 'system',
        action: to === 'REVOKED' ? 'revoked' : 'expired',
        detail: coveredBy === undefined ? { verified: 'removed' } : { kept: `still held by #${coveredBy}` },
      },
    );
    if (recorded) {
      await deps.announcements.requestChanged(requestId, to === 'REVOKED' ? 'revoked' : 'expired');
      await deps.announcements.audited([recorded.auditEventId]);
      if (recorded.request.accessSecretIssued) await deps.announcements.clearSecret(requestId);
    }
    return 'revoked';
  };
}

export interface EarlyRevokeDeps extends GrantDeps {
  directory: Pick<Directory, 'groupsOf'>;
}

/** `/prod-access revoke <id>`: the requester, or an approver of that level, gives access back early. */
export function requestEarlyRevoke(deps: EarlyRevokeDeps) {
  return async (requestId: number, userId: string): Promise<AccessRequestRecord> => {
    const request = await deps.requests.get(requestId);
    if (!request) throw new PermanentError('NOT_FOUND', `Request #${requestId} does not exist.`);
    const { level } = entryOf(deps.catalog, request);
    authorizeEarlyRevoke(level, userId, request.requesterId, await deps.directory.groupsOf(userId, level.approvers.groups));
    const recorded = await deps.requests.requestRevoke(requestId, userId, deps.clock.now());
    if (!recorded) {
      throw new UserError('INVALID_STATE', `Request #${requestId} holds no access to revoke (it is ${statusWords(request.status)}).`);
    }
    await deps.announcements.audited([recorded.auditEventId]);
    if (recorded.pendingRemoval) {
      await deps.schedule.revokeNow(requestId);
    } else {
      await deps.announcements.requestChanged(requestId, 'revoked');
    }
    return recorded.request;
  };
}

export interface ExpirePendingDeps {
  requests: Pick<RequestRepository, 'get' | 'transition'>;
  announcements: Announcements;
  clock: Clock;
}

/** Nobody decided in time: the request times out and its message says so. */
export function expirePending(deps: ExpirePendingDeps) {
  return async (requestId: number): Promise<void> => {
    const request = await deps.requests.get(requestId);
    const now = deps.clock.now();
    if (!request || !pastPendingTimeout(request, now)) return;
    const recorded = await deps.requests.transition(requestId, 'TIMED_OUT', { decidedAt: now }, TIMED_OUT_ENTRY);
    if (!recorded) return;
    await deps.announcements.requestChanged(requestId, 'timed_out');
    await deps.announcements.audited([recorded.auditEventId]);
  };
}
