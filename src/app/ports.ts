import type { ReportFacts, ReportWindow } from '../domain/access-report';
import type { Anchor } from '../domain/audit-anchor';
import type { AuditEventRecord } from '../domain/audit-lines';
import type { AccessLevel, Resource } from '../domain/catalog';
import type { AccessInstructions, GrantSpec } from '../domain/grant';
import type { RequestStatus } from '../domain/lifecycle';
import type { SlackProfile } from '../domain/policy';
import type { EscalationTarget, ReminderFacts, ReminderStep } from '../domain/reminders';
import type { AccessRequestRecord, ApprovalOutcome, AuditEntry, DecisionRecord, RequesterNotice } from '../domain/request';
import type { TargetSession } from '../domain/sessions';

/** The narrow interfaces use-cases depend on; adapters in db/, providers/, jobs/ and slack/ implement them. */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A request as it is first stored: pending, or (break-glass) approved at once with its review time. */
export type NewRequest = Pick<
  AccessRequestRecord,
  | 'requesterId'
  | 'resourceId'
  | 'level'
  | 'targetIdentity'
  | 'durationSeconds'
  | 'reason'
  | 'ticketUrl'
  | 'approvalsRequired'
  | 'startsAt'
  | 'pendingExpiresAt'
  | 'extendsRequestId'
> &
  Partial<Pick<AccessRequestRecord, 'status' | 'decidedAt' | 'breakGlass' | 'reviewDueAt'>>;

/** The facts a transition records along with the new status. */
export type RequestPatch = Partial<
  Pick<
    AccessRequestRecord,
    | 'decidedAt'
    | 'grantedAt'
    | 'expiresAt'
    | 'endedAt'
    | 'endedBy'
    | 'failureReason'
    | 'accessSecretIssued'
    | 'expiryWarningAt'
    | 'revokeFailedAt'
  > & {
    accessLines: string[];
  }
>;

/** The rate limit a new request must pass: its requester's requests since `since`, refused by `admit` when too many. */
export interface RequestQuota {
  since: Date;
  admit(recentRequests: number): void;
  /** Count only the requester's break-glass grants (their own, stricter limit). */
  breakGlassOnly?: boolean;
}

/** Break-glass grants whose review is late: to escalate now, or escalated with the escalation's post not yet sent. */
export interface ReviewsDue {
  overdue: number[];
  unsent: number[];
}

/** One level of one resource of the catalog. */
export interface LevelRef {
  resourceId: string;
  level: string;
}

/** A state change and the audit event recording it, committed together. */
export interface Recorded {
  request: AccessRequestRecord;
  auditEventId: bigint;
}

/** What the reconciler re-derives: schedules due or overdue, and grants expiring before the horizon. */
export interface DueWork {
  pendingPastTimeout: number[];
  /** Approved requests whose grant is due: no start, or a start that has come. */
  approved: number[];
  /** Approved requests whose scheduled start falls before the horizon: their grant job must wait for it. */
  startingSoon: { id: number; startsAt: Date }[];
  pastExpiry: number[];
  expiringSoon: { id: number; expiresAt: Date }[];
  /** Live grants whose expiry warning falls due before the horizon and was not sent yet. */
  warningsDue: { id: number; at: Date }[];
}

/** Slack messages that fell behind the database: what the reconciler sends again. */
export interface LaggingWork {
  messages: number[];
  notices: { id: number; status: RequestStatus }[];
  access: number[];
  secrets: number[];
}

/** A pending request the reminder sweep looks at: what the due-step rule reads, and its catalog entry. */
export type AwaitingReminder = ReminderFacts & Pick<AccessRequestRecord, 'id' | 'resourceId' | 'level'>;

/**
 * Access requests, their decisions and the audit rows of their changes. Every state change is a
 * compare-and-set on `status` (it happens only from a status that leads to the new one, see
 * `statusesLeadingTo`), committed with its audit row: a double click or a retried job changes nothing.
 */
export interface RequestStore {
  /** Stores a pending request unless `quota` refuses its requester, counted atomically with the insert. */
  create(data: NewRequest, audit: AuditEntry, quota: RequestQuota): Promise<Recorded>;
  get(id: number): Promise<AccessRequestRecord | null>;
  decisions(id: number): Promise<DecisionRecord[]>;
  /** Moves the request to `to` if it is in a state that leads there; null when another actor won. */
  transition(id: number, to: RequestStatus, patch: RequestPatch, audit: AuditEntry): Promise<Recorded | null>;
  /**
   * One approver's approval, decided under a lock on the request: distinct approvers are counted, and a
   * request past its pending timeout is timed out instead.
   */
  approve(id: number, approverId: string, now: Date): Promise<{ outcome: ApprovalOutcome; auditEventIds: bigint[] }>;
  /** Denies a pending request; `timedOut` when it was past its pending timeout, null when it was no longer pending. */
  deny(id: number, userId: string, comment: string | null, now: Date): Promise<Recorded | { timedOut: bigint } | null>;
  /**
   * Early revoke: before the grant is applied the request is revoked at once; once access exists it is
   * marked (`pendingRemoval`) for the revoke job. Null when there is no access to revoke. `reason`: why
   * the system ends it (`endReason`, in the audit row's detail too).
   */
  requestRevoke(id: number, userId: string, now: Date, reason?: string): Promise<(Recorded & { pendingRemoval: boolean }) | null>;
  /** Appends an audit event that records no state change (a refused click, a drift found). */
  audit(id: number | null, entry: AuditEntry): Promise<bigint>;
  /** Appends the chain head as an `audit_anchored` event; null when nothing happened since the last one. */
  anchorAudit(): Promise<{ anchor: Anchor; eventId: bigint } | null>;
  countSince(requesterId: string, since: Date, breakGlassOnly?: boolean): Promise<number>;
  /** Records the review of a break-glass grant with its audit row, once; null when it was already reviewed. */
  recordReview(id: number, reviewerId: string, comment: string, now: Date): Promise<Recorded | null>;
  reviewsDue(now: Date, limit: number): Promise<ReviewsDue>;
  /** Claims the escalation of an overdue, unreviewed break-glass grant, with its audit row; null when it is not (any more) to escalate. */
  claimReviewEscalation(id: number, now: Date): Promise<Recorded | null>;
  markReviewEscalationSent(id: number): Promise<void>;
  listForRequester(requesterId: string, limit?: number): Promise<AccessRequestRecord[]>;
  /**
   * Pending requests (not past their timeout) on these levels that `userId` may still decide: not their
   * own, not already decided by them; oldest first, at most `limit`, and how many there are in all.
   */
  awaitingDecision(
    levels: readonly LevelRef[],
    userId: string,
    now: Date,
    limit: number,
  ): Promise<{ requests: AccessRequestRecord[]; total: number }>;
  /**
   * Requests on a resource that hold, or are about to hold, access: approved ones (not those waiting for a
   * start still ahead) and live grants (all of them, or one identity's other requests).
   */
  liveOn(resourceId: string, now: Date, only?: { identity: string; exceptId: number }): Promise<AccessRequestRecord[]>;
  /** The identities with a live grant of a level on a resource, but for one request's: the first `limit` by name, and how many. */
  holdersOf(resourceId: string, level: string, now: Date, options: { exceptId: number; limit: number }): Promise<LevelHolders>;
  due(now: Date, horizon: Date, limit: number): Promise<DueWork>;
  /** Live grants on these levels (the idle-bound ones the session sampler reads), oldest first, at most `limit`. */
  liveGrantsOn(levels: readonly LevelRef[], now: Date, limit: number): Promise<AccessRequestRecord[]>;
  /** Records that a session of a live grant was seen open at `at`; never moves the time back. */
  recordSessionSeen(id: number, at: Date): Promise<void>;
  /** Recent requests whose Slack messages fell behind, not those changed in the last `settleMs`. */
  lagging(now: Date, settleMs: number, limit: number): Promise<LaggingWork>;
  /** Claims the posting of the approval message, so two workers never post it twice. */
  claimMessage(id: number, now: Date): Promise<boolean>;
  /** Stores where the approval message was posted, once. */
  setMessage(id: number, channelId: string, messageTs: string): Promise<boolean>;
  /** Pending requests created at or before `createdBefore` with a reminder step not yet posted, oldest first. */
  awaitingReminders(now: Date, createdBefore: Date, limit: number): Promise<AwaitingReminder[]>;
  /**
   * Claims the posting of a reminder step, as `claimMessage` does: false while the step is posted or another
   * worker's claim is fresh, and once the request is no longer pending or is past its timeout.
   */
  claimStep(id: number, step: ReminderStep, now: Date): Promise<boolean>;
  /** Gives back the claim made at `claimedAt` after its post failed. */
  releaseStep(id: number, step: ReminderStep, claimedAt: Date): Promise<void>;
  /** Records the step as posted, with its audit row; null when it already was. */
  recordStep(id: number, step: ReminderStep, sentAt: Date, audit: AuditEntry): Promise<bigint | null>;
  markMessageShown(id: number, status: RequestStatus): Promise<void>;
  markNotified(id: number, status: RequestStatus): Promise<void>;
  /** Once only; `secretDm` is where a DM that carried a one-time secret is, so it can be cleared at the end. */
  markAccessDelivered(id: number, secretDm?: { channel: string; ts: string }): Promise<void>;
  markSecretCleared(id: number): Promise<void>;
  /**
   * Claims the sending of a live grant's expiry warning, so two workers never send it twice; false when it
   * was sent, is being sent (a claim younger than a minute), or the grant has ended.
   */
  claimExpiryWarning(id: number, now: Date): Promise<boolean>;
  /** Records the warning as sent, with its audit row, once; null when it was already recorded. */
  markExpiryWarned(id: number, now: Date, audit: AuditEntry): Promise<bigint | null>;
  /** Requests in REVOKE_FAILED owed an alert (`revokeFailureAlertDue`), longest failing first, at most `limit`. */
  revokeFailuresDue(now: Date, thresholdSeconds: number, limit: number): Promise<AccessRequestRecord[]>;
  /** Records the alert of a failing revoke at `now` with its audit row, while it is due; null when it was not (any more). */
  recordRevokeFailureAlert(id: number, now: Date, thresholdSeconds: number, audit: AuditEntry): Promise<bigint | null>;
}

/** Which Slack user each identity of a resource belongs to, so two Slack users never share one identity. */
export interface IdentityBindings {
  /**
   * Binds the identity to the user unless another user holds it; returns who holds it now. `explicit`
   * (the catalog's map says so) moves a binding held by someone else.
   */
  bind(resourceId: string, identity: string, slackUserId: string, options: { explicit: boolean }): Promise<string>;
}

/** The audit log as the audit channel and the checks read it (rows are written by the RequestStore). */
export interface AuditLog {
  /** Takes the audit channel for `holder` until `until`, unless another holder's lease runs; null when taken. */
  acquireChannel(holder: string, now: Date, until: Date): Promise<{ lastPostedAt: Date | null } | null>;
  releaseChannel(holder: string): Promise<void>;
  /** Records one message posted: the events it carried are delivered, and the lease runs on. */
  markPosted(holder: string, eventIds: readonly bigint[], postedAt: Date, leaseUntil: Date): Promise<void>;
  /**
   * Recent events not yet in the audit channel that may be posted now, in id order: a refusal waits while
   * the same person's refusals of the same request had a line within `refusalWindowMs`.
   */
  postable(now: Date, refusalWindowMs: number, limit: number): Promise<AuditEventRecord[]>;
  /** Recent events not yet posted in the audit channel, older than `settleMs` (their own job may still run). */
  undelivered(now: Date, settleMs: number, limit: number): Promise<bigint[]>;
  /** The details of recent events of one action, e.g. drifts already reported. */
  recentDetails(action: string, since: Date): Promise<Record<string, unknown>[]>;
}

/** Access reviews: the window's requests, grants and approvals, summed up by the database; the digest's record. */
export interface AccessReviews {
  read(window: ReportWindow, now: Date): Promise<ReportFacts>;
  /** Appends the `access_digest` audit row of the window with its summary; null when that window already has one. */
  recordDigest(window: ReportWindow, summary: string): Promise<bigint | null>;
}

/**
 * One permission target, as a provider serves it (the provider contract, docs/writing-a-provider.md).
 * Every call is idempotent: granting twice is one grant, revoking something absent is fine. Throw
 * `PermanentError('TARGET_REJECTED', …)` when the target refuses for good (retrying cannot help);
 * anything else is retried.
 */
export interface AccessProvider<Target = Record<string, unknown>> {
  grant(spec: GrantSpec<Target>): Promise<AccessInstructions>;
  revoke(spec: GrantSpec<Target>): Promise<void>;
  /** Reads the target: does the identity hold the access now? */
  check(spec: GrantSpec<Target>): Promise<boolean>;
  /**
   * Names the permission a grant gives in the target. Grants of the same identity with the same key share
   * one permission, so one ending must not remove it while another still holds it. Providers made with defineProviderKind
   * default to one key per request (each grant is revoked on its own): a provider whose overlapping grants
   * share one permission (PostgreSQL grant-role) says so here.
   */
  accessKey?(spec: GrantSpec<Target>): string;
  /**
   * Optional, for the drift check: every permission the target holds for a level's target, named as
   * `accessKey` names them. Access found here that no live grant covers is reported.
   */
  holders?(target: Target): Promise<string[]>;
  /**
   * Optional, for the approval message: what a level's target allows, read from the target where it can
   * be ("SELECT on 14 tables in `public`"), in a line or two. Never a secret: approvers' channel shows it.
   */
  describeLevel?(target: Target): Promise<string>;
  /**
   * Optional: the live sessions of the grant's identity in the target (at most SESSIONS_LISTED), each with
   * what it runs now or ran last, normalized (`normalizeStatement`: no literal, so no data or password).
   * Read-only and bounded in time; none once the grant is revoked. A target that cannot tell lacks it.
   */
  sessions?(spec: GrantSpec<Target>): Promise<TargetSession[]>;
}

/** The provider of each resource in the catalog. */
export type Providers = (resource: Resource) => AccessProvider;

/** What a level allows, as the approval message shows it: its provider's summary, nothing to say, or a target that did not answer. */
export type LevelAllows = { summary: string } | 'not described' | 'unreadable';

/** What each level allows, from its provider's `describeLevel`. */
export interface LevelDescriptions {
  /** Never fails and never waits long: a target that fails or is slow is `unreadable`. */
  describe(resource: Resource, level: AccessLevel): Promise<LevelAllows>;
}

/** Who people are in Slack: profiles for identity mapping, group membership for approvers. */
export interface Directory {
  /** `customFields`: also read the custom profile fields (another Slack call), for rules that use one. */
  profile(userId: string, options: { customFields: boolean }): Promise<SlackProfile>;
  /** Of the given user groups, the ones the user belongs to. */
  groupsOf(userId: string, groupIds: readonly string[]): Promise<Set<string>>;
  /** Everyone in any of the given user groups. */
  membersOf(groupIds: readonly string[]): Promise<Set<string>>;
}

/** The schedules kept in the queue; each is idempotent and can be re-derived from the database. */
export interface Schedule {
  grant(requestId: number): Promise<void>;
  /** The grant of an approved request with a scheduled start, run at that start (the same job as `grant`). */
  grantAt(requestId: number, at: Date): Promise<void>;
  revokeAt(requestId: number, at: Date): Promise<void>;
  /** Early revoke: runs now, and the scheduled revoke finds nothing left to do. */
  revokeNow(requestId: number): Promise<void>;
  expirePendingAt(requestId: number, at: Date): Promise<void>;
  /** The DM warning the requester that the grant is about to end, sent at `at`. */
  warnBeforeExpiryAt(requestId: number, at: Date): Promise<void>;
}

export type { RequesterNotice } from '../domain/request';
export type { TargetSession } from '../domain/sessions';

/** Slack messages sent after a change, through a retried queue so Slack outages delay them but lose none. */
export interface Announcements {
  /** The approval message brought up to date, and the requester told `notice` if there is one. */
  syncApprovalMessage(requestId: number, notice?: RequesterNotice): Promise<void>;
  /** A notice alone, when the message itself is up to date. */
  notify(requestId: number, notice: RequesterNotice): Promise<void>;
  /** The audit channel brought up to date with these events (and any others waiting). */
  postAudit(auditEventIds: readonly bigint[]): Promise<void>;
  /** The approval message brought up to date after its job was lost; one pending per request. */
  resyncApprovalMessage(requestId: number): Promise<void>;
  /** The access DM again, from the instructions the database keeps, when the first one was not delivered. */
  resendAccess(requestId: number): Promise<void>;
  /** Once the access has ended: the DM that carried its one-time secret rewritten without it. */
  clearSecret(requestId: number): Promise<void>;
  /** A pending request's reminder or escalation, posted once; one job per request and step however often it is asked for. */
  sendReminderStep(requestId: number, step: ReminderStep): Promise<void>;
  /** The owners' channel told, loudly, that a break-glass grant is still unreviewed. */
  escalateReview(requestId: number): Promise<void>;
  /** The App Homes that show this request (its requester's, and its approvers' while it awaits them) re-published. */
  refreshHomes(requestId: number): Promise<void>;
  /** One person's App Home re-published soon; the asks of a short while come to one publish. */
  publishHome(userId: string): Promise<void>;
}

/** Sent at once, never queued: the access instructions may carry a one-time secret. Records the delivery. */
export interface AccessDelivery {
  deliverAccess(requestId: number, lines: string[], oneTimeSecret?: string): Promise<void>;
}

/** Where a Slack message is, so it can be updated later. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** A request and everything a message about it is rendered from, as the database has it now. */
export interface RequestFacts {
  request: AccessRequestRecord;
  decisions: DecisionRecord[];
  resource: Resource;
  level: AccessLevel;
}

/** Some of the identities holding a level now, and how many do in all. */
export interface LevelHolders {
  identities: string[];
  total: number;
}

/** What approvers are shown beside a pending request, so they see what they approve. */
export interface ApprovalContext {
  /** Identities holding this level on this resource now (live grants of other requests): the first few, and how many in all. */
  holders: LevelHolders;
  allows: LevelAllows;
}

/** What the one-time secret of a grant is for its access DM: shown this once, lost with an undelivered DM, or none. */
export interface AccessSecret {
  secret?: string;
  secretLost?: boolean;
}

/** Slack as app/notices.ts sees it: each call renders what it is given and sends it; none decides whether to. */
export interface Messenger {
  /** Posts the approval message in the resource's owners' channel; `context` while it waits for approvers. */
  postApprovalMessage(facts: RequestFacts, context?: ApprovalContext): Promise<MessageRef>;
  updateApprovalMessage(at: MessageRef, facts: RequestFacts, context?: ApprovalContext): Promise<void>;
  /** The requester's DM about this turn of their request. */
  sendNotice(facts: RequestFacts, notice: RequesterNotice): Promise<void>;
  /** The requester's DM with how to use the access. */
  sendAccess(facts: RequestFacts, lines: string[], secret: AccessSecret): Promise<MessageRef>;
  /** Rewrites the access DM at `at` so that nothing of the secret is left in it. */
  removeSecret(at: MessageRef, facts: RequestFacts): Promise<void>;
  /** Replies in the approval message's thread (at `approvalMessage`), mentioning who may still approve. */
  remindApprovers(approvalMessage: MessageRef, facts: RequestFacts, waitedSeconds: number): Promise<MessageRef>;
  /** Tells the escalation target that the request waits, with a link to its approval message. */
  escalate(approvalMessage: MessageRef, facts: RequestFacts, to: EscalationTarget): Promise<MessageRef>;
  /** Posts in the owners' channel, with `@here` and the reviewers mentioned, that a break-glass grant awaits its review. */
  postReviewEscalation(facts: RequestFacts): Promise<void>;
  /** The requester's DM that the grant ends soon, with Extend and I'm done; `coveredBy`: their extension that keeps the access. */
  sendExpiryWarning(facts: RequestFacts, coveredBy: AccessRequestRecord | null): Promise<void>;
}

/** What one person's App Home shows, read from the database when it is published. */
export interface HomeContent {
  userId: string;
  now: Date;
  /** Their own latest requests, newest first (live grants, pending and recent ones among them). */
  mine: AccessRequestRecord[];
  /** Requests waiting for their decision, oldest first, and how many wait in all; null when they approve no level. */
  awaiting: { requests: AccessRequestRecord[]; total: number } | null;
}

/** The App Home tab: renders a person's home and publishes it (views.publish). */
export interface HomeTab {
  publish(home: HomeContent): Promise<void>;
}

/** The audit channel itself. */
export interface AuditChannel {
  /**
   * Posts one message with the given lines in order, as many as fit in it (at least the first); returns
   * how many it carried.
   */
  postAudit(lines: readonly AuditChannelLine[]): Promise<number>;
}

/** A line of the audit channel: the event it shows, and how many events it stands for (folded refusals). */
export interface AuditChannelLine {
  event: AuditEventRecord;
  /** Events this line stands for, itself included; more than one only for repeated refusals. */
  count: number;
}

/**
 * What the use-cases report for the operators' metrics (ops/metrics.ts). Labels are catalog ids, outcomes
 * and error codes only: never a person, an identity or a secret.
 */
export interface Metrics {
  requestSubmitted(at: LevelRef): void;
  /** A request refused before it was stored, by the refusal's code. */
  requestRefused(code: string): void;
  decided(decision: 'approve' | 'deny'): void;
  /** A grant applied: `seconds` from the grant job's start to the grant recorded. */
  granted(at: LevelRef & { seconds: number }): void;
  /** A revoke done: `seconds` the revoke job took; at an expiry, `lateSeconds` from `expires_at` to the revoke recorded. */
  revoked(at: LevelRef & { seconds: number; lateSeconds?: number }): void;
  /** One reconcile pass and how many of each kind of work it re-derived. */
  reconciled(repaired: Record<string, number>): void;
  /** Access found in targets that no live grant explains, in one drift check. */
  driftFound(found: readonly LevelRef[]): void;
}

/** Reports nothing: for use-cases whose caller keeps no metrics (tools, unit tests that do not look). */
export const noMetrics: Metrics = {
  requestSubmitted() {},
  requestRefused() {},
  decided() {},
  granted() {},
  revoked() {},
  reconciled() {},
  driftFound() {},
};
