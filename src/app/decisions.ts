import { type Catalog, entryOf } from '../domain/catalog';
import { ProdAccessError, UserError } from '../domain/errors';
import { authorizeDecision } from '../domain/policy';
import { type AccessRequestRecord, type DecisionResult, requestNotFound } from '../domain/request';
import { startIsAhead } from '../domain/scheduled-start';
import { announceChange } from './announce';
import { scheduleGrant } from './grants';
import type { Announcements, Clock, Directory, Metrics, RequestStore, Schedule } from './ports';

export interface DecisionDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'get' | 'approve' | 'deny' | 'audit'>;
  directory: Pick<Directory, 'groupsOf'>;
  schedule: Pick<Schedule, 'grant' | 'grantAt'>;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes'>;
  clock: Clock;
  metrics: Pick<Metrics, 'decided'>;
}

/**
 * Checks, from the catalog and the signed user id, that this person may decide this request.
 * A refusal is audited: a click by someone who may not decide is worth knowing about.
 */
export function authorizeDecider(deps: Pick<DecisionDeps, 'catalog' | 'requests' | 'directory' | 'announcements'>) {
  return async (requestId: number, userId: string): Promise<AccessRequestRecord> => {
    const request = await deps.requests.get(requestId);
    if (!request) throw requestNotFound(requestId);
    const { level } = entryOf(deps.catalog, request);
    await auditRefusal(deps, requestId, userId, async () =>
      authorizeDecision(level, {
        approverId: userId,
        requesterId: request.requesterId,
        approverGroupIds: await deps.directory.groupsOf(userId, level.approvers.groups),
      }),
    );
    return request;
  };
}

/** Runs a check of who may act on a request; a refusal is audited and posted in the audit channel, then rethrown. */
export async function auditRefusal(
  deps: { requests: Pick<RequestStore, 'audit'>; announcements: Pick<Announcements, 'postAudit'> },
  requestId: number,
  userId: string,
  check: () => Promise<void>,
): Promise<void> {
  try {
    await check();
  } catch (e) {
    if (e instanceof ProdAccessError) {
      const eventId = await deps.requests.audit(requestId, {
        actor: userId,
        action: 'refused',
        detail: { code: e.code, reason: e.message },
      });
      await deps.announcements.postAudit([eventId]);
    }
    throw e;
  }
}

export function approveRequest(deps: DecisionDeps) {
  const authorize = authorizeDecider(deps);
  return async (requestId: number, approverId: string): Promise<DecisionResult> => {
    const request = await authorize(requestId, approverId);
    const now = deps.clock.now();
    const { outcome, auditEventIds } = await deps.requests.approve(requestId, approverId, now);
    switch (outcome.kind) {
      case 'timed_out':
        return timedOut(deps, requestId, auditEventIds);
      case 'not_pending':
        return { kind: 'already_decided', status: outcome.status };
      case 'duplicate':
        throw new UserError('ALREADY_DECIDED', 'You have already approved this request; it needs another approver.');
      case 'recorded':
        deps.metrics.decided('approve');
        await announceChange(deps.announcements, requestId, auditEventIds);
        return { kind: 'approval_recorded', approvals: outcome.approvals, required: outcome.required };
      case 'approved':
        deps.metrics.decided('approve');
        await Promise.all([
          scheduleGrant(deps.schedule, request, now),
          announceChange(deps.announcements, requestId, auditEventIds, 'approved'),
        ]);
        return startIsAhead(request, now) ? { kind: 'approved', startsAt: request.startsAt! } : { kind: 'approved' };
    }
  };
}

export function denyRequest(deps: DecisionDeps) {
  const authorize = authorizeDecider(deps);
  return async (requestId: number, userId: string, comment: string | null): Promise<DecisionResult> => {
    const request = await authorize(requestId, userId);
    const recorded = await deps.requests.deny(requestId, userId, comment?.trim() || null, deps.clock.now());
    if (recorded && 'timedOut' in recorded) return timedOut(deps, requestId, [recorded.timedOut]);
    if (!recorded) {
      const current = (await deps.requests.get(requestId)) ?? request;
      return { kind: 'already_decided', status: current.status };
    }
    deps.metrics.decided('deny');
    await announceChange(deps.announcements, requestId, [recorded.auditEventId], 'denied');
    return { kind: 'denied' };
  };
}

/** A click after the pending timeout: the request has just timed out instead, and the clicker is told so. */
async function timedOut(deps: DecisionDeps, requestId: number, auditEventIds: bigint[]): Promise<never> {
  await announceChange(deps.announcements, requestId, auditEventIds, 'timed_out');
  throw new UserError(
    'INVALID_STATE',
    `Request #${requestId} was not decided before its pending timeout, so it has timed out and can no longer be approved or denied. The requester can ask again.`,
  );
}
