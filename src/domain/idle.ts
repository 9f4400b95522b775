import { formatDuration } from './durations';
import type { AccessRequestRecord } from './request';

/**
 * An idle-bound level (catalog `idleTimeout`, `endsWithSession`): its grants end early, by the system, once
 * the grantee's sessions say the access is no longer used. Sessions are sampled, so "open" means "seen open
 * at the last sample".
 */
export interface IdleRule {
  /** A grant with no session seen open for this long (since the grant, or since one was last seen) ends; null: never for idleness. */
  idleTimeoutSeconds: number | null;
  /** The grant ends once a session has been seen and none is open any more. */
  endsWithSession: boolean;
}

/** What the sampler read from the target: how many sessions are open now, or that it could not tell. */
export type SessionReading = { open: number } | 'unreadable';

/** The facts of a grant the rule reads. */
export type IdleFacts = Pick<AccessRequestRecord, 'grantedAt' | 'lastSessionSeenAt'>;

/** Keep the grant, or end it now with the reason its messages and audit rows give. */
export type IdleVerdict = { end: false } | { end: true; reason: string };

const KEEP: IdleVerdict = { end: false };

/**
 * Whether a live grant ends now for want of sessions, given what was just read (`lastSessionSeenAt` already
 * updated by this reading when it saw one). A target that cannot be read never ends a grant: its
 * sessions are unknown, so it counts as not idle.
 */
export function idleVerdict(facts: IdleFacts, rule: IdleRule, reading: SessionReading, now: Date): IdleVerdict {
  if (reading === 'unreadable' || reading.open > 0 || !facts.grantedAt) return KEEP;
  if (rule.endsWithSession && facts.lastSessionSeenAt) return { end: true, reason: 'its session closed' };
  if (rule.idleTimeoutSeconds === null) return KEEP;
  const since = facts.lastSessionSeenAt ?? facts.grantedAt;
  return now.getTime() - since.getTime() >= rule.idleTimeoutSeconds * 1000
    ? { end: true, reason: `idle for ${formatDuration(rule.idleTimeoutSeconds)}` }
    : KEEP;
}

/** Whether a level's grants are sampled at all. */
export function isIdleBound(rule: IdleRule | null): rule is IdleRule {
  return rule !== null && (rule.idleTimeoutSeconds !== null || rule.endsWithSession);
}
