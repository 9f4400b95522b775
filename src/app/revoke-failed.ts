import type { Catalog } from '../domain/catalog';
import { formatDuration } from '../domain/durations';
import { UserError } from '../domain/errors';
import { catalogSpec } from '../domain/grant';
import { endStatus, type RequestStatus, statusWords } from '../domain/lifecycle';
import { requestNotFound } from '../domain/request';
import type { Announcements, Clock, Providers, Recorded, RequestStore } from './ports';
import { announceEnd } from './revokes';

/** The one status an operator may resolve by hand: a revoke that keeps failing. */
const RESOLVABLE: RequestStatus = 'REVOKE_FAILED';

export interface ResolveDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'get' | 'transition'>;
  providers: Providers;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes' | 'clearSecret'>;
  clock: Clock;
}

/** Who resolves, and why: written in the audit row. */
export interface Resolution {
  operator: string;
  reason: string;
}

/**
 * `prod-access request resolve <id>`: an operator removed a failed revoke's access by hand. The target is
 * read back as the revoke job reads it (`check`), and only when the access is gone does the request end,
 * with the status the revoke would have given and a `revoke_resolved` audit row by the operator. While the
 * access is there, or the request is in any other state, nothing changes. The revoke job still queued finds
 * nothing to do once the request has ended.
 */
export function resolveRevokeFailure(deps: ResolveDeps) {
  return async (requestId: number, { operator, reason }: Resolution): Promise<Recorded> => {
    const request = await deps.requests.get(requestId);
    if (!request) throw requestNotFound(requestId);
    if (request.status !== RESOLVABLE) throw notResolvable(requestId, request.status);
    const { resource, spec } = catalogSpec(deps.catalog, request, request.expiresAt!);
    if (await deps.providers(resource).check(spec)) {
      throw new UserError(
        'ACCESS_STILL_HELD',
        `Request #${requestId}: ${request.targetIdentity} still holds ${request.level} on ${request.resourceId} (read back from the target now); remove it there first. Nothing was changed.`,
      );
    }
    const to = endStatus(request.endedBy);
    // Nothing leads back from REVOKE_FAILED but to its end, so this compare-and-set moves only a request still failing.
    const recorded = await deps.requests.transition(
      requestId,
      to,
      { endedAt: deps.clock.now(), failureReason: null },
      { actor: operator, action: 'revoke_resolved', detail: { reason, verified: 'removed', manual: true } },
    );
    if (!recorded) {
      // The revoke job's retry ended it meanwhile.
      throw notResolvable(requestId, (await deps.requests.get(requestId))?.status ?? request.status);
    }
    await announceEnd(deps.announcements, recorded);
    return recorded;
  };
}

function notResolvable(requestId: number, status: RequestStatus): UserError {
  return new UserError(
    'INVALID_STATE',
    `Request #${requestId} is ${statusWords(status)}: only a request whose revoke failed can be resolved. Nothing was changed.`,
  );
}

export interface RevokeFailureAlertDeps {
  requests: Pick<RequestStore, 'revokeFailuresDue' | 'recordRevokeFailureAlert'>;
  announcements: Pick<Announcements, 'postAudit'>;
  clock: Clock;
  /** REVOKE_FAILED_ALERT_SECONDS: how long a revoke may fail before its alert, and between two alerts. */
  thresholdSeconds: number;
  batchSize?: number;
}

/**
 * Run by every reconcile pass: each request in REVOKE_FAILED for longer than the threshold gets a
 * `revoke_failed_alert` audit row, which the audit channel posts, again every threshold until it ends (a
 * compare-and-set on `revoke_failed_alerted_at`, however many passes or workers find it). Returns how many.
 */
export function alertRevokeFailures(deps: RevokeFailureAlertDeps) {
  return async (): Promise<number> => {
    const now = deps.clock.now();
    const due = await deps.requests.revokeFailuresDue(now, deps.thresholdSeconds, deps.batchSize ?? 1000);
    const alerts: bigint[] = [];
    for (const request of due) {
      const failingSeconds = Math.floor((now.getTime() - request.revokeFailedAt!.getTime()) / 1000);
      const reason = `the revoke has failed for ${formatDuration(failingSeconds)} (${request.failureReason ?? 'no reason recorded'}); the access may still be there. Remove it by hand, then run \`prod-access request resolve ${request.id} --reason "…"\``;
      const eventId = await deps.requests.recordRevokeFailureAlert(request.id, now, deps.thresholdSeconds, {
        actor: 'system',
        action: 'revoke_failed_alert',
        detail: { reason, failingSeconds },
      });
      if (eventId !== null) alerts.push(eventId);
    }
    if (alerts.length > 0) await deps.announcements.postAudit(alerts);
    return alerts.length;
  };
}
