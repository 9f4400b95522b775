import { pastPendingTimeout, TIMED_OUT_ENTRY } from '../domain/request';
import { announceChange } from './announce';
import type { Announcements, Clock, RequestStore } from './ports';

export interface ExpirePendingDeps {
  requests: Pick<RequestStore, 'get' | 'transition'>;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes'>;
  clock: Clock;
}

/** Nobody decided in time: the request times out and its message says so. */
export function expirePending(deps: ExpirePendingDeps) {
  return async (requestId: number): Promise<void> => {
    const request = await deps.requests.get(requestId);
    const now = deps.clock.now();
    if (!request || !pastPendingTimeout(request, now)) return;
    const recorded = await deps.requests.transition(requestId, 'TIMED_OUT', { decidedAt: now }, TIMED_OUT_ENTRY);
    if (recorded) await announceChange(deps.announcements, requestId, [recorded.auditEventId], 'timed_out');
  };
}
