import { entryOf } from '../domain/catalog';
import { PermanentError } from '../domain/errors';
import { expiryWarningAt } from '../domain/expiry-warning';
import { catalogSpec } from '../domain/grant';
import type { AccessRequestRecord } from '../domain/request';
import { expiryOf, startIsAhead } from '../domain/scheduled-start';
import { announceChange } from './announce';
import type { AccessDelivery, Announcements, Schedule } from './ports';
import { removeUnlessCovered, type RevokeDeps, secondsSince } from './revokes';

/** What revoking needs (a grant may take back what it applied), and the access DM. */
export interface GrantDeps extends Omit<RevokeDeps, 'announcements' | 'schedule'> {
  schedule: Pick<Schedule, 'revokeAt' | 'grantAt' | 'warnBeforeExpiryAt'>;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes' | 'resendAccess'>;
  delivery: AccessDelivery;
}

/** The grant job of an approved request: at once, or at its scheduled start while that is ahead. */
export function scheduleGrant(
  schedule: Pick<Schedule, 'grant' | 'grantAt'>,
  request: Pick<AccessRequestRecord, 'id' | 'startsAt'>,
  now: Date,
): Promise<void> {
  return startIsAhead(request, now) ? schedule.grantAt(request.id, request.startsAt!) : schedule.grant(request.id);
}

/** The grant job: applies the permission, starts the clock, schedules the expiry warning and the revoke. Safe to run twice. */
export function applyGrant(deps: GrantDeps) {
  return async (requestId: number): Promise<void> => {
    const request = await deps.requests.get(requestId);
    if (request?.status === 'ACTIVE') {
      await Promise.all([
        deps.schedule.revokeAt(requestId, request.expiresAt!),
        scheduleWarning(deps, request),
        // The run before stopped between recording the grant and its DM.
        !request.accessDeliveredAt && deps.announcements.resendAccess(requestId),
      ]);
      return;
    }
    if (request?.status !== 'APPROVED') return;
    const now = deps.clock.now();
    if (startIsAhead(request, now)) {
      // Run before its start (a worker's clock behind the queue's): it waits for the start. Asked from this very
      // job, whose id is still taken, the reconciler's next pass re-adds it (a start before its horizon).
      await deps.schedule.grantAt(requestId, request.startsAt!);
      return;
    }
    const expiresAt = expiryOf(request, now);
    if (expiresAt <= now) {
      throw new PermanentError(
        'WINDOW_ENDED',
        `the window it asked for ended at ${expiresAt.toISOString()} before the grant could be applied`,
      );
    }
    const { resource, spec } = catalogSpec(deps.catalog, request, expiresAt);
    const provider = deps.providers(resource);
    const access = await provider.grant(spec);
    const recorded = await deps.requests.transition(
      requestId,
      'ACTIVE',
      {
        grantedAt: now,
        expiresAt,
        accessLines: access.lines,
        accessSecretIssued: access.oneTimeSecret !== undefined,
        expiryWarningAt: expiryWarningAt(entryOf(deps.catalog, request).level, request.durationSeconds, expiresAt),
      },
      {
        actor: 'system',
        action: 'granted',
        detail: {
          identity: spec.identity,
          target: spec.target,
          ...(request.startsAt && { startsAt: request.startsAt.toISOString() }),
          expiresAt: expiresAt.toISOString(),
        },
      },
    );
    if (!recorded) {
      // Revoked while the grant was being applied: take back what was just given.
      await removeUnlessCovered(deps, request, provider, spec);
      return;
    }
    deps.metrics.granted({ resourceId: request.resourceId, level: request.level, seconds: secondsSince(now, deps.clock) });
    await Promise.all([
      deps.schedule.revokeAt(requestId, expiresAt),
      scheduleWarning(deps, recorded.request),
      announceChange(deps.announcements, requestId, [recorded.auditEventId]),
    ]);
    try {
      await deps.delivery.deliverAccess(requestId, access.lines, access.oneTimeSecret);
    } catch (error) {
      // The secret lives only in this run and is never queued; the instructions go again from the database.
      await deps.announcements.resendAccess(requestId);
      throw error;
    }
  };
}

/** The expiry warning of an active grant, unless its level warns of nothing or it was sent already. */
async function scheduleWarning(deps: Pick<GrantDeps, 'schedule'>, request: AccessRequestRecord): Promise<void> {
  if (request.expiryWarningAt && !request.expiryWarnedAt) await deps.schedule.warnBeforeExpiryAt(request.id, request.expiryWarningAt);
}

/** The grant job gave up: the request fails with its reason, and nothing is left behind in the target. */
export function failGrant(deps: Omit<GrantDeps, 'delivery' | 'schedule'>) {
  return async (requestId: number, reason: string): Promise<void> => {
    const recorded = await deps.requests.transition(
      requestId,
      'FAILED',
      { failureReason: reason },
      { actor: 'system', action: 'grant_failed', detail: { reason } },
    );
    if (!recorded) return;
    await announceChange(deps.announcements, requestId, [recorded.auditEventId], 'failed');
    // A grant that failed halfway may have applied part of itself.
    const { resource, spec } = catalogSpec(deps.catalog, recorded.request, deps.clock.now());
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
