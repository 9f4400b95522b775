import type { AuditEventRecord } from '../domain/audit-lines';
import type { SlackProfile } from '../domain/policy';
import type { RequesterNotice } from '../domain/request';

/** The narrow interfaces use-cases depend on; adapters in jobs/, notify/ and slack/ implement them. */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Who people are in Slack: profiles for identity mapping, group membership for approvers. */
export interface Directory {
  /** `customFields`: also read the custom profile fields (another Slack call), for rules that use one. */
  profile(userId: string, options: { customFields: boolean }): Promise<SlackProfile>;
  /** Of the given user groups, the ones the user belongs to. */
  groupsOf(userId: string, groupIds: readonly string[]): Promise<Set<string>>;
}

/** The schedules kept in the queue; each is idempotent and can be re-derived from the database. */
export interface AccessSchedule {
  grant(requestId: number): Promise<void>;
  revokeAt(requestId: number, at: Date): Promise<void>;
  /** Early revoke: runs now, and the scheduled revoke finds nothing left to do. */
  revokeNow(requestId: number): Promise<void>;
  expirePendingAt(requestId: number, at: Date): Promise<void>;
}

export type { RequesterNotice } from '../domain/request';

/** Slack messages sent after a change, through a retried queue so Slack outages delay them but lose none. */
export interface Announcements {
  requestChanged(requestId: number, notice?: RequesterNotice): Promise<void>;
  /** A notice alone, when the message itself is up to date. */
  notify(requestId: number, notice: RequesterNotice): Promise<void>;
  audited(auditEventIds: readonly bigint[]): Promise<void>;
  /** The approval message brought up to date after its job was lost; one pending per request. */
  resyncMessage(requestId: number): Promise<void>;
  /** The access DM again, from the instructions the database keeps, when the first one was not delivered. */
  accessInstructions(requestId: number): Promise<void>;
  /** Once the access has ended: the DM that carried its one-time secret rewritten without it. */
  clearSecret(requestId: number): Promise<void>;
}

/** Sent at once, never queued: the access instructions may carry a one-time secret. Records the delivery. */
export interface AccessDelivery {
  deliverAccess(requestId: number, lines: string[], oneTimeSecret?: string): Promise<void>;
}

/** The audit channel itself: posts one message with the given lines, in order. */
export interface AuditChannel {
  postLines(lines: readonly AuditChannelLine[]): Promise<void>;
}

/** A line of the audit channel: the event it shows, and how many events it stands for (folded refusals). */
export interface AuditChannelLine {
  event: AuditEventRecord;
  /** Events this line stands for, itself included; more than one only for repeated refusals. */
  count: number;
}
