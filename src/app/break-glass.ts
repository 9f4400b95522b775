import { type Catalog, entryOf } from '../domain/catalog';
import { UserError } from '../domain/errors';
import { BREAK_GLASS_STATUS } from '../domain/lifecycle';
import {
  authorizeRequester,
  authorizeReview,
  type RateLimit,
  type RequestInput,
  validateBreakGlass,
  validateReviewComment,
} from '../domain/policy';
import { type AccessRequestRecord, requestNotFound } from '../domain/request';
import { announceChange } from './announce';
import { auditRefusal } from './decisions';
import type { Announcements, Clock, Directory, IdentityBindings, Metrics, RequestStore, Schedule } from './ports';
import { admitRequester, claimIdentity, countedSubmissions, identityOf } from './requests';

export interface BreakGlassDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'create' | 'countSince' | 'audit'>;
  identities: IdentityBindings;
  /** Stricter than the limit on requests: a break-glass grant needs nobody's approval. */
  breakGlassRateLimit: RateLimit;
  directory: Pick<Directory, 'profile' | 'groupsOf'>;
  schedule: Pick<Schedule, 'grant'>;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes'>;
  clock: Clock;
  metrics: Pick<Metrics, 'requestSubmitted' | 'requestRefused'>;
}

/**
 * `/prod-access break-glass`: access at once, without an approver, on a level that allows it, to someone
 * who may ask for that level, for a reason. Stored approved (domain/lifecycle.ts `BREAK_GLASS_STATUS`) with
 * its review time, so the grant job applies it like any approval; the owners' channel and the audit
 * channel are told at once.
 */
export function submitBreakGlass(deps: BreakGlassDeps) {
  return countedSubmissions(deps.metrics, async (requesterId: string, input: RequestInput): Promise<AccessRequestRecord> => {
    const valid = validateBreakGlass(deps.catalog, input);
    const { resource, level, breakGlass } = valid;
    if (level.requesters)
      authorizeRequester(resource, level, requesterId, await deps.directory.groupsOf(requesterId, level.requesters.groups));
    const now = deps.clock.now();
    const quota = await admitRequester(deps, resource, requesterId, now, deps.breakGlassRateLimit, true);
    const identity = await identityOf(deps, resource, requesterId);
    await claimIdentity(deps, resource, identity, requesterId);
    const reviewDueAt = new Date(now.getTime() + breakGlass.reviewWithinSeconds * 1000);
    const { request, auditEventId } = await deps.requests.create(
      {
        requesterId,
        startsAt: null,
        resourceId: resource.id,
        level: level.id,
        targetIdentity: identity,
        durationSeconds: valid.durationSeconds,
        reason: valid.reason,
        ticketUrl: valid.ticketUrl,
        approvalsRequired: 0,
        pendingExpiresAt: now,
        extendsRequestId: null,
        status: BREAK_GLASS_STATUS,
        decidedAt: now,
        breakGlass: true,
        reviewDueAt,
      },
      {
        actor: requesterId,
        action: 'break_glass',
        detail: {
          resource: resource.id,
          level: level.id,
          durationSeconds: valid.durationSeconds,
          identity,
          reviewDueAt: reviewDueAt.toISOString(),
          reason: valid.reason,
        },
      },
      quota,
    );
    await Promise.all([deps.schedule.grant(request.id), announceChange(deps.announcements, request.id, [auditEventId])]);
    return request;
  });
}

export interface ReviewDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'get' | 'recordReview' | 'audit'>;
  directory: Pick<Directory, 'groupsOf'>;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes'>;
  clock: Clock;
}

/**
 * A reviewer's **Reviewed** on a break-glass grant, with their comment: checked from the catalog and the
 * signed user id (never its requester), recorded once with its audit row; a refusal is audited too.
 */
export function reviewBreakGlass(deps: ReviewDeps) {
  return async (requestId: number, reviewerId: string, rawComment: string): Promise<AccessRequestRecord> => {
    const comment = validateReviewComment(rawComment);
    const request = await deps.requests.get(requestId);
    if (!request) throw requestNotFound(requestId);
    const glass = entryOf(deps.catalog, request).level.breakGlass;
    if (!request.breakGlass || !glass) {
      throw new UserError('INVALID_STATE', `Request #${requestId} is not a break-glass grant: there is nothing to review.`);
    }
    await auditRefusal(deps, requestId, reviewerId, async () =>
      authorizeReview(glass, {
        reviewerId,
        requesterId: request.requesterId,
        reviewerGroupIds: await deps.directory.groupsOf(reviewerId, glass.reviewers.groups),
      }),
    );
    const recorded = await deps.requests.recordReview(requestId, reviewerId, comment, deps.clock.now());
    if (!recorded) {
      const current = await deps.requests.get(requestId);
      throw new UserError(
        'ALREADY_DECIDED',
        `Break-glass #${requestId} was already reviewed${current?.reviewedBy ? ` by <@${current.reviewedBy}>` : ''}.`,
      );
    }
    await announceChange(deps.announcements, requestId, [recorded.auditEventId]);
    return recorded.request;
  };
}

export interface EscalateReviewsDeps {
  requests: Pick<RequestStore, 'reviewsDue' | 'claimReviewEscalation'>;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes' | 'escalateReview'>;
  clock: Clock;
  batchSize?: number;
}

/**
 * Run by every reconcile pass: each break-glass grant still unreviewed at its review time is escalated once
 * (a compare-and-set with its audit row, however many passes or workers find it), and an escalation whose
 * post was lost with Redis is asked for again. Returns how many were escalated now.
 */
export function escalateOverdueReviews(deps: EscalateReviewsDeps) {
  return async (): Promise<number> => {
    const now = deps.clock.now();
    const due = await deps.requests.reviewsDue(now, deps.batchSize ?? 1000);
    let escalated = 0;
    for (const id of due.overdue) {
      const recorded = await deps.requests.claimReviewEscalation(id, now);
      if (!recorded) continue;
      escalated += 1;
      await Promise.all([announceChange(deps.announcements, id, [recorded.auditEventId]), deps.announcements.escalateReview(id)]);
    }
    await Promise.all(due.unsent.map((id) => deps.announcements.escalateReview(id)));
    return escalated;
  };
}
