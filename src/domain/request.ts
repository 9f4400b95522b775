import { PermanentError } from './errors';
import type { RequestStatus } from './lifecycle';

/** A request as stored; the grant's facts (grantedAt, expiresAt, endedAt) live on it, one grant per request. */
export interface AccessRequestRecord {
  id: number;
  requesterId: string;
  resourceId: string;
  level: string;
  targetIdentity: string;
  durationSeconds: number;
  reason: string;
  ticketUrl: string | null;
  status: RequestStatus;
  approvalsRequired: number;
  createdAt: Date;
  /** When the access is to begin, if the request named a start; its duration counts from then. */
  startsAt: Date | null;
  pendingExpiresAt: Date;
  decidedAt: Date | null;
  grantedAt: Date | null;
  expiresAt: Date | null;
  endedAt: Date | null;
  endedBy: string | null;
  failureReason: string | null;
  channelId: string | null;
  messageTs: string | null;
  messageStatus: RequestStatus | null;
  notifiedStatus: RequestStatus | null;
  /** The active grant this request extends, if it is an extension. */
  extendsRequestId: number | null;
  /** The grant's access instructions (never a secret), kept so a DM Slack lost can be sent again. */
  accessLines: unknown;
  /** Whether the grant issued a one-time secret; it is never stored. */
  accessSecretIssued: boolean;
  accessDeliveredAt: Date | null;
  /** The DM that carried the one-time secret, rewritten without it once the access has ended. */
  secretDmChannel: string | null;
  secretDmTs: string | null;
  secretClearedAt: Date | null;
  /** When the reminder in the approval message's thread was posted, and the escalation (domain/reminders.ts). */
  remindedAt: Date | null;
  escalatedAt: Date | null;
  /** Granted at once without an approver (`/prod-access break-glass`); reviewed afterwards. */
  breakGlass: boolean;
  /** A break-glass grant still unreviewed at this time is escalated. */
  reviewDueAt: Date | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  reviewComment: string | null;
  /** Set once, by the one pass that escalated the unreviewed grant (compare-and-set). */
  reviewEscalatedAt: Date | null;
  /** When the escalation's post went out in the owners' channel; until then the reconciler asks for it again. */
  reviewEscalationSentAt: Date | null;
  /** When the requester is warned that the grant is about to end (set at the grant); null: no warning. */
  expiryWarningAt: Date | null;
  /** When that warning was sent, once. */
  expiryWarnedAt: Date | null;
  /** The last time the session sampler saw a session of the grant open; null: none seen (domain/idle.ts). */
  lastSessionSeenAt: Date | null;
  /** Why the system ended the grant early ("idle for 30m"); null otherwise. */
  endReason: string | null;
  /** When the request entered REVOKE_FAILED, and when its alert was last posted (`revokeFailureAlertDue`). */
  revokeFailedAt: Date | null;
  revokeFailedAlertedAt: Date | null;
}

/** What the requester is told by DM at each turn. */
export const REQUESTER_NOTICES = ['approved', 'denied', 'timed_out', 'expired', 'revoked', 'failed'] as const;
export type RequesterNotice = (typeof REQUESTER_NOTICES)[number];

/** The notices that announce a final status: each is owed exactly once, so a lost one is sent again. */
export const FINAL_NOTICES: Partial<Record<RequestStatus, RequesterNotice>> = {
  DENIED: 'denied',
  TIMED_OUT: 'timed_out',
  EXPIRED: 'expired',
  REVOKED: 'revoked',
  FAILED: 'failed',
};

/** Audit lines and Slack messages are only caught up for this long; older ones are history. */
export const SLACK_CATCH_UP_MS = 7 * 24 * 3600_000;

/** Refused when a request named by its id (in a command, a button or a job) is not stored. */
export function requestNotFound(requestId: number): PermanentError {
  return new PermanentError('NOT_FOUND', `Request #${requestId} does not exist.`);
}

export interface DecisionRecord {
  userId: string;
  kind: 'APPROVE' | 'DENY';
  comment: string | null;
  createdAt: Date;
}

export type AuditAction =
  | 'requested'
  | 'approval_recorded'
  | 'approved'
  | 'denied'
  | 'timed_out'
  | 'granted'
  | 'grant_failed'
  | 'expired'
  | 'revoked'
  | 'revoke_requested'
  | 'revoke_failed'
  | 'refused'
  | 'drift_found'
  /** Granted without an approver; then reviewed by a reviewer, or escalated when nobody did in time. */
  | 'break_glass'
  | 'break_glass_reviewed'
  | 'break_glass_escalated'
  /** The chain head, named in the audit channel so a removed tail or a truncation can be told (see domain/audit-anchor). */
  | 'audit_anchored'
  // Two Slack users mapped to one identity; the later one was refused.
  | 'identity_conflict'
  // Nobody decided for a while: the approvers were reminded in the message's thread, then the escalation target told.
  | 'reminded'
  | 'escalated'
  /** The requester was warned by DM that the grant is about to end. */
  | 'expiry_warned'
  /** The periodic access review of a window, posted in the audit channel (once per window). */
  | 'access_digest'
  /** A revoke failing too long, repeated in the audit channel once per threshold until it ends. */
  | 'revoke_failed_alert'
  /** An operator removed a failed revoke's access by hand; prod-access read it back as gone and ended the request. */
  | 'revoke_resolved';

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  detail?: Record<string, unknown>;
}

/** The outcome of one approver's click, decided under a lock on the request. */
export type ApprovalOutcome =
  | { kind: 'approved'; approvals: number }
  | { kind: 'recorded'; approvals: number; required: number }
  | { kind: 'duplicate' }
  | { kind: 'timed_out' }
  | { kind: 'not_pending'; status: RequestStatus };

/** A pending request nobody decided in time: it can only time out, whether or not the timeout job has run. */
export function pastPendingTimeout(request: Pick<AccessRequestRecord, 'status' | 'pendingExpiresAt'>, now: Date): boolean {
  return request.status === 'PENDING' && request.pendingExpiresAt <= now;
}

/** A break-glass grant nobody has reviewed by its review time, and not escalated yet: escalated now, once. */
export function reviewOverdue(
  request: Pick<AccessRequestRecord, 'breakGlass' | 'reviewedAt' | 'reviewDueAt' | 'reviewEscalatedAt'>,
  now: Date,
): boolean {
  return (
    request.breakGlass &&
    request.reviewedAt === null &&
    request.reviewEscalatedAt === null &&
    request.reviewDueAt !== null &&
    request.reviewDueAt <= now
  );
}

/**
 * A request in REVOKE_FAILED for `thresholdSeconds` since it failed, or since its last alert: alerted now.
 * At most one alert per threshold, for as long as the revoke keeps failing.
 */
export function revokeFailureAlertDue(
  request: Pick<AccessRequestRecord, 'status' | 'revokeFailedAt' | 'revokeFailedAlertedAt'>,
  now: Date,
  thresholdSeconds: number,
): boolean {
  const since = request.revokeFailedAlertedAt ?? request.revokeFailedAt;
  return request.status === 'REVOKE_FAILED' && since !== null && since.getTime() <= now.getTime() - thresholdSeconds * 1000;
}

/** How a timeout is audited, by the expire-pending job or by a decision that came too late. */
export const TIMED_OUT_ENTRY: AuditEntry = { actor: 'system', action: 'timed_out' };

/** Enough distinct approvals turn a pending request into an approved one. */
export function approvalOutcome(approvals: number, required: number): ApprovalOutcome {
  return approvals >= required ? { kind: 'approved', approvals } : { kind: 'recorded', approvals, required };
}

/** What one click on Approve or Deny came to. */
export type DecisionResult =
  /** `startsAt`: the grant waits for this scheduled start. */
  | { kind: 'approved'; startsAt?: Date }
  | { kind: 'approval_recorded'; approvals: number; required: number }
  | { kind: 'denied' }
  | { kind: 'already_decided'; status: RequestStatus };
