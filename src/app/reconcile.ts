import { FINAL_NOTICES } from '../domain/request';
import type { Announcements, AuditLog, Clock, Metrics, RequestStore, Schedule } from './ports';

export interface ReconcileDeps {
  requests: Pick<RequestStore, 'due' | 'lagging'>;
  audit: Pick<AuditLog, 'undelivered'>;
  schedule: Schedule;
  announcements: Announcements;
  expirePending: (requestId: number) => Promise<void>;
  /** Escalates break-glass grants whose review is late (app/break-glass.ts); returns how many. */
  escalateReviews: () => Promise<number>;
  /** Alerts the revokes failing past their threshold (app/revoke-failed.ts); returns how many. */
  alertRevokeFailures: () => Promise<number>;
  clock: Clock;
  intervalSeconds: number;
  batchSize?: number;
  metrics: Pick<Metrics, 'reconciled'>;
}

export interface ReconcileReport {
  timedOut: number;
  grantsRequeued: number;
  grantsScheduled: number;
  revokesDue: number;
  revokesEnsured: number;
  warningsEnsured: number;
  slackResent: number;
  reviewsEscalated: number;
  revokeFailuresAlerted: number;
}

/**
 * Re-derives every schedule from the database, since Redis may have lost them: timed-out requests,
 * approved requests waiting for their grant job (at their scheduled start, for one about to come), grants
 * past their expiry, revokes and expiry warnings about to fall due,
 * and Slack messages, notices, access DMs and audit lines that never went out, and one-time secrets still
 * in the DM of an access that has ended; escalates break-glass grants nobody reviewed in time, and alerts
 * revokes failing for too long.
 * Scheduling is idempotent, so a job that still exists is left as it is. What is owed is asked for all at
 * once, which the queues send together, so a pass costs its queries and a few round trips to Redis however
 * much it finds (pending timeouts excepted: each is a transition with its audit row).
 */
export function reconcile(deps: ReconcileDeps) {
  return async (): Promise<ReconcileReport> => {
    const now = deps.clock.now();
    // A grant expiring (or a scheduled grant starting) before the next pass must have its job now; later ones
    // are checked on a later pass.
    const horizon = new Date(now.getTime() + 2 * deps.intervalSeconds * 1000);
    const due = await deps.requests.due(now, horizon, deps.batchSize ?? 1000);
    for (const id of due.pendingPastTimeout) await deps.expirePending(id);
    const reviewsEscalated = await deps.escalateReviews();
    const revokeFailuresAlerted = await deps.alertRevokeFailures();
    await Promise.all([
      ...due.approved.map((id) => deps.schedule.grant(id)),
      ...due.startingSoon.map(({ id, startsAt }) => deps.schedule.grantAt(id, startsAt)),
      ...due.pastExpiry.map((id) => deps.schedule.revokeNow(id)),
      ...due.expiringSoon.map(({ id, expiresAt }) => deps.schedule.revokeAt(id, expiresAt)),
      ...due.warningsDue.map(({ id, at }) => deps.schedule.warnBeforeExpiryAt(id, at)),
    ]);
    // Slack messages whose jobs were lost: anything older than two passes is not merely on its way.
    const settleMs = 2 * deps.intervalSeconds * 1000;
    const limit = deps.batchSize ?? 1000;
    const lagging = await deps.requests.lagging(now, settleMs, limit);
    const undelivered = await deps.audit.undelivered(now, settleMs, limit);
    await Promise.all([
      ...lagging.messages.map((id) => deps.announcements.resyncApprovalMessage(id)),
      ...lagging.notices.map(({ id, status }) => deps.announcements.notify(id, FINAL_NOTICES[status]!)),
      ...lagging.access.map((id) => deps.announcements.resendAccess(id)),
      ...lagging.secrets.map((id) => deps.announcements.clearSecret(id)),
      deps.announcements.postAudit(undelivered),
    ]);
    const report: ReconcileReport = {
      timedOut: due.pendingPastTimeout.length,
      grantsRequeued: due.approved.length,
      grantsScheduled: due.startingSoon.length,
      revokesDue: due.pastExpiry.length,
      revokesEnsured: due.expiringSoon.length,
      warningsEnsured: due.warningsDue.length,
      slackResent: lagging.messages.length + lagging.notices.length + lagging.access.length + lagging.secrets.length + undelivered.length,
      reviewsEscalated,
      revokeFailuresAlerted,
    };
    deps.metrics.reconciled({ ...report });
    return report;
  };
}
