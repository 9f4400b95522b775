import type { RequesterNotice } from '../domain/request';
import type { Announcements } from './ports';

/** What announceChange asks for. */
export type ChangeAnnouncements = Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes'>;

/**
 * What follows every recorded change of a request: its approval message brought up to date (and the
 * requester told, when the change has a notice), the App Homes showing it re-published, then the audit
 * channel with the change's events. Asked
 * for together, so the queue adapter sends them at once; callers add their own schedules to the same turn.
 */
export async function announceChange(
  announcements: ChangeAnnouncements,
  requestId: number,
  auditEventIds: readonly bigint[],
  notice?: RequesterNotice,
): Promise<void> {
  await Promise.all([
    announcements.syncApprovalMessage(requestId, notice),
    announcements.refreshHomes(requestId),
    announcements.postAudit(auditEventIds),
  ]);
}
