/**
 * The audit log as other systems ingest it (`prod-access audit export`): JSON lines with stable field
 * names, or OCSF 1.1 events of the Identity & Access Management category. Pure mapping: the rows come from
 * db/audit-log.ts. An audit row's detail never holds a secret, so everything here may leave the process.
 */
import type { AuditEventRecord } from './audit-lines';
import type { AuditAction } from './request';

export const EXPORT_FORMATS = ['jsonl', 'ocsf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** An audit row with its chain fields and, when it belongs to a request, what the request was for. */
export interface ExportedAuditEvent extends AuditEventRecord {
  hash: string;
  prevHash: string;
  /** Null when the event has no request (or, never in practice, when the request row is gone). */
  request: { resourceId: string; level: string; identity: string } | null;
}

/** One JSON line: the same fields in every line, null where an event has no request. */
export function toJsonLine(event: ExportedAuditEvent) {
  return {
    id: event.id.toString(),
    at: event.at.toISOString(),
    requestId: event.requestId,
    actor: event.actor,
    action: event.action,
    detail: event.detail,
    hash: event.hash,
    prevHash: event.prevHash,
    resource: event.request?.resourceId ?? null,
    level: event.request?.level ?? null,
    identity: event.request?.identity ?? null,
  };
}

export const OCSF_VERSION = '1.1.0';
const IAM_CATEGORY = 3;

/** OCSF Account Change (3001): the grant applied to or taken from the identity on the target. */
const ACCOUNT_CHANGE = { uid: 3001, name: 'Account Change', attachPolicy: 7, detachPolicy: 8 } as const;
/**
 * OCSF Authorize Session (3003): "privileges or groups assigned to a new user session". A request, its
 * approvals and its denial decide whether the identity gets a level's privileges for one time-bounded
 * session of access; no other IAM class is about that decision (Authentication is a log-on, Account
 * Change the change on the target that follows as `granted`).
 */
const AUTHORIZE_SESSION = { uid: 3003, name: 'Authorize Session', assignPrivileges: 1 } as const;
const OTHER_ACTIVITY = 99;

const STATUS = { success: 1, failure: 2, other: 99 } as const;
const SEVERITY = { informational: 1, low: 2, medium: 3, high: 4 } as const;

interface OcsfMapping {
  class: typeof ACCOUNT_CHANGE | typeof AUTHORIZE_SESSION;
  activityId: number;
  statusId: (typeof STATUS)[keyof typeof STATUS];
  /** The status's name when it is `other` (99): still pending, or found rather than decided. */
  status?: string;
  severityId: (typeof SEVERITY)[keyof typeof SEVERITY];
}

const pendingDecision = (status: string): OcsfMapping => ({
  class: AUTHORIZE_SESSION,
  activityId: AUTHORIZE_SESSION.assignPrivileges,
  statusId: STATUS.other,
  status,
  severityId: SEVERITY.informational,
});
const decision = (statusId: OcsfMapping['statusId'], severityId: OcsfMapping['severityId'] = SEVERITY.informational): OcsfMapping => ({
  class: AUTHORIZE_SESSION,
  activityId: AUTHORIZE_SESSION.assignPrivileges,
  statusId,
  severityId,
});
const aboutRequest = (statusId: OcsfMapping['statusId'], severityId: OcsfMapping['severityId'], status?: string): OcsfMapping => ({
  class: AUTHORIZE_SESSION,
  activityId: OTHER_ACTIVITY,
  statusId,
  status,
  severityId,
});
const onTarget = (
  activityId: number,
  statusId: OcsfMapping['statusId'],
  severityId: OcsfMapping['severityId'] = SEVERITY.informational,
  status?: string,
): OcsfMapping => ({ class: ACCOUNT_CHANGE, activityId, statusId, status, severityId });

/**
 * Every audit action's class and activity (the compiler asks for a new action's line here). What changes
 * the target is an Account Change (Attach Policy when the level is granted, Detach Policy when it is
 * taken back); what decides whether it may is an Authorize Session; the rest, reminders, reviews and the
 * chain's anchors, are the "Other" activity of the class they concern, with the action as activity_name.
 */
const MAPPINGS = {
  requested: pendingDecision('Pending'),
  approval_recorded: pendingDecision('Pending'),
  approved: decision(STATUS.success),
  denied: decision(STATUS.failure),
  timed_out: decision(STATUS.failure),
  // Granted without an approver: worth a look, hence above informational.
  break_glass: decision(STATUS.success, SEVERITY.medium),
  identity_conflict: decision(STATUS.failure, SEVERITY.medium),
  refused: aboutRequest(STATUS.failure, SEVERITY.low),
  reminded: aboutRequest(STATUS.other, SEVERITY.informational, 'Pending'),
  escalated: aboutRequest(STATUS.other, SEVERITY.low, 'Pending'),
  break_glass_reviewed: aboutRequest(STATUS.success, SEVERITY.informational),
  break_glass_escalated: aboutRequest(STATUS.other, SEVERITY.medium, 'Review overdue'),
  audit_anchored: aboutRequest(STATUS.success, SEVERITY.informational),
  access_digest: aboutRequest(STATUS.success, SEVERITY.informational),
  granted: onTarget(ACCOUNT_CHANGE.attachPolicy, STATUS.success),
  grant_failed: onTarget(ACCOUNT_CHANGE.attachPolicy, STATUS.failure, SEVERITY.low),
  expired: onTarget(ACCOUNT_CHANGE.detachPolicy, STATUS.success),
  revoked: onTarget(ACCOUNT_CHANGE.detachPolicy, STATUS.success),
  revoke_requested: onTarget(ACCOUNT_CHANGE.detachPolicy, STATUS.other, SEVERITY.informational, 'Requested'),
  // The access may still be there.
  revoke_failed: onTarget(ACCOUNT_CHANGE.detachPolicy, STATUS.failure, SEVERITY.high),
  // Still failing past the threshold: page-worthy, repeated until it ends.
  revoke_failed_alert: onTarget(ACCOUNT_CHANGE.detachPolicy, STATUS.failure, SEVERITY.high, 'Revoke failing'),
  // Removed by an operator's hand, read back as gone: ended, but worth a look.
  revoke_resolved: onTarget(ACCOUNT_CHANGE.detachPolicy, STATUS.success, SEVERITY.medium),
  expiry_warned: onTarget(OTHER_ACTIVITY, STATUS.success),
  // Access on the target that no live grant covers.
  drift_found: onTarget(OTHER_ACTIVITY, STATUS.other, SEVERITY.high, 'Detected'),
} satisfies Record<AuditAction, OcsfMapping>;

/** A row of an action this version does not know (written by a newer one): kept, as "Other". */
const UNKNOWN_ACTION = aboutRequest(STATUS.other, SEVERITY.informational, 'Unknown action');

/** The "Other" activity (99) is named by the action instead. */
const ACTIVITY_NAMES: Record<number, string> = { 1: 'Assign Privileges', 7: 'Attach Policy', 8: 'Detach Policy' };
const STATUS_NAMES: Record<number, string> = { 1: 'Success', 2: 'Failure' };
const SEVERITY_NAMES: Record<number, string> = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High' };

/** Who stands for the product in `metadata.product`; self-hosted, it is its own vendor. */
export const OCSF_PRODUCT = { name: 'prod-access', vendor_name: 'prod-access' } as const;

/** One OCSF event: the base fields, the actor and the identity, and the rest of the row under `unmapped`. */
export interface OcsfEvent {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
  activity_id: number;
  activity_name: string;
  type_uid: number;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  /** Milliseconds since the epoch. */
  time: number;
  message: string;
  metadata: { version: string; product: typeof OCSF_PRODUCT; uid: string; correlation_uid?: string };
  actor: { user: { uid: string; type_id: number } };
  user?: { name: string; uid: string };
  dst_endpoint?: { name: string };
  policy?: { name: string; uid: string };
  privileges?: string[];
  unmapped: { action: string; request_id: number | null; detail: unknown; hash: string; prev_hash: string };
}

export function toOcsf(event: ExportedAuditEvent): OcsfEvent {
  const mapping: OcsfMapping = Object.hasOwn(MAPPINGS, event.action) ? MAPPINGS[event.action as AuditAction] : UNKNOWN_ACTION;
  const onAccount = mapping.class === ACCOUNT_CHANGE;
  const request = event.request;
  return {
    class_uid: mapping.class.uid,
    class_name: mapping.class.name,
    category_uid: IAM_CATEGORY,
    category_name: 'Identity & Access Management',
    activity_id: mapping.activityId,
    activity_name: ACTIVITY_NAMES[mapping.activityId] ?? event.action,
    type_uid: mapping.class.uid * 100 + mapping.activityId,
    severity_id: mapping.severityId,
    severity: SEVERITY_NAMES[mapping.severityId] ?? 'Unknown',
    status_id: mapping.statusId,
    status: mapping.status ?? STATUS_NAMES[mapping.statusId] ?? 'Other',
    time: event.at.getTime(),
    message: request ? `${event.action}: ${request.resourceId} ${request.level} for ${request.identity}` : event.action,
    metadata: {
      version: OCSF_VERSION,
      product: OCSF_PRODUCT,
      uid: event.id.toString(),
      // Every event of one request shares it, so a SIEM can follow a request from ask to revoke.
      ...(event.requestId !== null && { correlation_uid: `request-${event.requestId}` }),
    },
    actor: { user: { uid: event.actor, type_id: event.actor === 'system' ? 3 : 1 } },
    ...(request && {
      user: { name: request.identity, uid: request.identity },
      dst_endpoint: { name: request.resourceId },
      // Account Change names the policy attached or detached; Authorize Session the privileges asked for.
      ...(onAccount ? { policy: { name: request.level, uid: `${request.resourceId}/${request.level}` } } : { privileges: [request.level] }),
    }),
    unmapped: {
      action: event.action,
      request_id: event.requestId,
      detail: event.detail,
      hash: event.hash,
      prev_hash: event.prevHash,
    },
  };
}
