import { type Catalog, entryOf, findEntry } from '../domain/catalog';
import { ProviderError, UserError } from '../domain/errors';
import { accessKeyOf, catalogSpec, type GrantSpec, isLive, specOf } from '../domain/grant';
import { endStatus, HOLDS_ACCESS, statusWords } from '../domain/lifecycle';
import { authorizeEarlyRevoke } from '../domain/policy';
import { type AccessRequestRecord, requestNotFound } from '../domain/request';
import { announceChange } from './announce';
import type { AccessProvider, Announcements, Clock, Directory, Metrics, Providers, Recorded, RequestStore, Schedule } from './ports';

export interface RevokeDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'get' | 'transition' | 'liveOn'>;
  providers: Providers;
  schedule: Pick<Schedule, 'revokeAt'>;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes' | 'clearSecret'>;
  clock: Clock;
  metrics: Pick<Metrics, 'granted' | 'revoked'>;
}

/**
 * The other live grants (and approved ones being applied) of the same identity that hold the same
 * permission as this grant: while one of them does, this grant's end must leave the access in place.
 */
export async function coversOf(
  deps: Pick<RevokeDeps, 'catalog' | 'clock'> & { requests: Pick<RequestStore, 'liveOn'> },
  request: AccessRequestRecord,
  provider: AccessProvider,
  spec: GrantSpec,
): Promise<AccessRequestRecord[]> {
  const key = accessKeyOf(provider, spec);
  const now = deps.clock.now();
  // A permission belongs to one identity, so only that identity's other grants can hold it.
  const others = await deps.requests.liveOn(request.resourceId, now, { identity: request.targetIdentity, exceptId: request.id });
  return others.filter((other) => {
    const entry = findEntry(deps.catalog, other);
    return entry !== undefined && accessKeyOf(provider, specOf(entry.resource, entry.level, other, spec.expiresAt)) === key;
  });
}

/**
 * Removes a grant's access from the target unless another grant covers it (`coversOf`): overlapping
 * grants end only when the last of them does. Returns the id of the covering request when the access was kept.
 */
export async function removeUnlessCovered(
  deps: Pick<RevokeDeps, 'catalog' | 'requests' | 'clock'>,
  request: AccessRequestRecord,
  provider: AccessProvider,
  spec: GrantSpec,
): Promise<number | undefined> {
  const [cover] = await coversOf(deps, request, provider, spec);
  if (cover) return cover.id;
  await provider.revoke(spec);
  return undefined;
}

export type RevokeOutcome = 'revoked' | 'not_due' | 'nothing_to_do';

/**
 * The revoke job: removes the access, reads the target back to verify, and records the end.
 * A failure marks the request REVOKE_FAILED (announced once) and rethrows so the queue retries.
 */
export function revokeGrant(deps: RevokeDeps) {
  return async (requestId: number): Promise<RevokeOutcome> => {
    const request = await deps.requests.get(requestId);
    if (!request || !HOLDS_ACCESS.includes(request.status)) return 'nothing_to_do';
    const now = deps.clock.now();
    const expiresAt = request.expiresAt!;
    if (isLive(request, now)) {
      await deps.schedule.revokeAt(requestId, expiresAt);
      return 'not_due';
    }
    const { resource, spec } = catalogSpec(deps.catalog, request, expiresAt);
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
        { failureReason: reason, revokeFailedAt: now },
        { actor: 'system', action: 'revoke_failed', detail: { reason } },
      );
      if (failed) await announceChange(deps.announcements, requestId, [failed.auditEventId]);
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
        detail: {
          ...(coveredBy === undefined ? { verified: 'removed' } : { kept: `still held by #${coveredBy}` }),
          ...(request.endReason && { reason: request.endReason }),
        },
      },
    );
    if (recorded) {
      const seconds = secondsSince(now, deps.clock);
      deps.metrics.revoked({
        resourceId: request.resourceId,
        level: request.level,
        seconds,
        ...(to === 'EXPIRED' && { lateSeconds: secondsSince(expiresAt, deps.clock) }),
      });
      await announceEnd(deps.announcements, recorded);
    }
    return 'revoked';
  };
}

/** After a grant's end is recorded: its message, homes and audit channel told, and the DM that carried its secret cleared. */
export async function announceEnd(announcements: RevokeDeps['announcements'], recorded: Recorded): Promise<void> {
  const { id, status, accessSecretIssued } = recorded.request;
  await Promise.all([
    announceChange(announcements, id, [recorded.auditEventId], status === 'REVOKED' ? 'revoked' : 'expired'),
    accessSecretIssued && announcements.clearSecret(id),
  ]);
}

/** Seconds from `start` to now, for the metrics. */
export function secondsSince(start: Date, clock: Clock): number {
  return (clock.now().getTime() - start.getTime()) / 1000;
}

export interface EarlyRevokeDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'get' | 'requestRevoke'>;
  directory: Pick<Directory, 'groupsOf'>;
  schedule: Pick<Schedule, 'revokeNow'>;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes'>;
  clock: Clock;
}

/** `/prod-access revoke <id>`: the requester, or an approver of that level, gives access back early. */
export function requestEarlyRevoke(deps: EarlyRevokeDeps) {
  return async (requestId: number, userId: string): Promise<AccessRequestRecord> => {
    const request = await deps.requests.get(requestId);
    if (!request) throw requestNotFound(requestId);
    const { level } = entryOf(deps.catalog, request);
    authorizeEarlyRevoke(level, userId, request.requesterId, await deps.directory.groupsOf(userId, level.approvers.groups));
    const recorded = await deps.requests.requestRevoke(requestId, userId, deps.clock.now());
    if (!recorded) {
      throw new UserError('INVALID_STATE', `Request #${requestId} holds no access to revoke (it is ${statusWords(request.status)}).`);
    }
    await startEarlyRevoke(deps, recorded);
    return recorded.request;
  };
}

/**
 * After `requestRevoke` has recorded an early end: the revoke job is asked for at once when access exists
 * (it ends it and announces it then), else the end is announced now.
 */
export async function startEarlyRevoke(
  deps: Pick<EarlyRevokeDeps, 'schedule' | 'announcements'>,
  recorded: Recorded & { pendingRemoval: boolean },
): Promise<void> {
  const requestId = recorded.request.id;
  if (recorded.pendingRemoval) {
    await Promise.all([deps.announcements.postAudit([recorded.auditEventId]), deps.schedule.revokeNow(requestId)]);
  } else {
    await announceChange(deps.announcements, requestId, [recorded.auditEventId], 'revoked');
  }
}
