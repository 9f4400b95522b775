import { FINAL_NOTICES } from '../domain/request';
import type { Announcements, AuditLog, Clock, RequestStore, Schedule } from './ports';

export interface ReconcileDeps {
  requests: Pick<RequestStore, 'due' | 'lagging'>;
  audit: Pick<AuditLog, 'undelivered'>;
  schedule: Schedule;
  announcements: Announcements;
  expirePending: (requestId: number) => Promise<void>;
  clock: Clock;
  intervalSeconds: number;
  batchSize?: number;
}

export interface ReconcileReport {
  timedOut: number;
  grantsRequeued: number;
  revokesDue: number;
  revokesEnsured: number;
  slackResent: number;
}

/**
 * Re-derives every schedule from the database, since Redis may have lost them: timed-out requests,
 * approved requests waiting for their grant job, grants past their expiry, revokes about to fall due,
 * and Slack messages, notices, access DMs and audit lines that never went out, and one-time secrets still
 * in the DM of an access that has ended.
 * Scheduling is idempotent, so a job that still exists is left as it is.
 */
export function reconcile(deps: ReconcileDeps) {
  return async (): Promise<ReconcileReport> => {
    const now = deps.clock.now();
    // A grant expiring before the next pass must have its revoke job now; later ones are checked on a later pass.
    const horizon = new Date(now.getTime() + 2 * deps.intervalSeconds * 1000);
    const due = await deps.requests.due(now, horizon, deps.batchSize ?? 1000);
    for (const id of due.pendingPastTimeout) await deps.expirePending(id);
    for (const id of due.approved) await deps.schedule.grant(id);
    for (const id of due.pastExpiry) await deps.schedule.revokeNow(id);
    for (const { id, expiresAt } of due.expiringSoon) await deps.schedule.revokeAt(id, expiresAt);
    // Slack messages whose jobs were lost: anything older than two passes is not merely on its way.
    const settleMs = 2 * deps.intervalSeconds * 1000;
    const limit = deps.batchSize ?? 1000;
    const lagging = await deps.requests.lagging(now, settleMs, limit);
    const undelivered = await deps.audit.undelivered(now, settleMs, limit);
    for (const id of lagging.messages) await deps.announcements.resyncApprovalMessage(id);
    for (const { id, status } of lagging.notices) await deps.announcements.notify(id, FINAL_NOTICES[status]!);
    for (const id of lagging.access) await deps.announcements.resendAccess(id);
    for (const id of lagging.secrets) await deps.announcements.clearSecret(id);
    await deps.announcements.postAudit(undelivered);
    return {
      timedOut: due.pendingPastTimeout.length,
      grantsRequeued: due.approved.length,
      revokesDue: due.pastExpiry.length,
      revokesEnsured: due.expiringSoon.length,
      slackResent: lagging.messages.length + lagging.notices.length + lagging.access.length + lagging.secrets.length + undelivered.length,
    };
  };
}
