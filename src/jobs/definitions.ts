import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * Three queues, each with its own worker slots: Slack slowness (notify) never delays access work, and
 * nothing else (a grant stuck on its access DM, a reconcile pass) ever delays a revoke.
 */
export const QUEUE_NAMES = { access: 'access', revoke: 'revoke', notify: 'notify' } as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

const requestPayload = z.strictObject({ requestId: z.number().int().positive() });
const notices = z.enum(['approved', 'denied', 'timed_out', 'expired', 'revoked', 'failed']);

/** Revokes retry until they succeed, backing off to at most this long between tries. */
export const MAX_REVOKE_BACKOFF_MS = 5 * 60_000;

const keep = { removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } } satisfies JobsOptions;

/** Slack messages retry through an outage, backing off to the cap; the reconciler asks again after that. */
const slackRetries = { ...keep, attempts: 20, backoff: { type: 'capped' } } satisfies JobsOptions;

/** A Slack message about one request, on the notify queue, one job per request under `idPrefix`. */
function requestMessageJob(idPrefix: string, doneOnce: boolean) {
  return {
    queue: QUEUE_NAMES.notify,
    doneOnce,
    payload: requestPayload,
    jobId: (p: { requestId: number }) => `${idPrefix}-${p.requestId}`,
    options: slackRetries,
  } as const;
}

/** A revoke, scheduled at expiry (`revoke`) or at once (`revoke-now`): retried until it succeeds. */
function revokeJob(idPrefix: string) {
  return {
    queue: QUEUE_NAMES.revoke,
    doneOnce: false,
    payload: requestPayload,
    jobId: (p: { requestId: number }) => `${idPrefix}-${p.requestId}`,
    options: { ...keep, attempts: Number.MAX_SAFE_INTEGER, backoff: { type: 'capped' } },
  } as const;
}

/** Renders a request's approval message from the database and posts or updates it. */
function messageSyncJob(jobId: ((p: { requestId: number }) => string) | undefined) {
  return {
    queue: QUEUE_NAMES.notify,
    // A re-sync runs again whenever a later pass finds the message still lagging.
    doneOnce: jobId === undefined,
    payload: requestPayload,
    jobId,
    options: slackRetries,
  } as const;
}

/** A job a scheduler runs every interval; it keeps only its latest runs. */
function recurringJob(jobId: string) {
  return {
    queue: QUEUE_NAMES.access,
    doneOnce: false,
    payload: z.strictObject({}),
    jobId: () => jobId,
    options: { removeOnComplete: 100, removeOnFail: 100 },
  } as const;
}

/**
 * Every job, declared once: its queue, its payload (ids only, never secrets), its deterministic id
 * (so scheduling twice is one job) and its retry policy. `doneOnce` jobs (messages) stay done once
 * completed; schedules are added again when the database says they are still needed.
 */
export const JOBS = {
  grant: {
    queue: QUEUE_NAMES.access,
    doneOnce: false,
    payload: requestPayload,
    jobId: (p: { requestId: number }) => `grant-${p.requestId}`,
    options: { ...keep, attempts: 5, backoff: { type: 'exponential', delay: 2000 } },
  },
  revoke: revokeJob('revoke'),
  revokeNow: revokeJob('revoke-now'),
  expirePending: {
    queue: QUEUE_NAMES.access,
    doneOnce: false,
    payload: requestPayload,
    jobId: (p: { requestId: number }) => `expire-pending-${p.requestId}`,
    options: { ...keep, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
  },
  reconcile: recurringJob('reconcile'),
  driftCheck: recurringJob('drift-check'),
  // Appends the audit chain's head as an event, which postAudit then posts in the audit channel.
  anchorAudit: recurringJob('audit-anchor'),
  // Each change gets its own job: every run renders the latest state, so none is ever skipped.
  syncMessage: messageSyncJob(undefined),
  // The reconciler's re-sync of a lagging message: one per request, however many passes find it.
  resyncMessage: messageSyncJob((p: { requestId: number }) => `resync-${p.requestId}`),
  notifyRequester: {
    queue: QUEUE_NAMES.notify,
    doneOnce: true,
    payload: requestPayload.extend({ notice: notices }),
    jobId: (p: { requestId: number; notice: string }) => `dm-${p.requestId}-${p.notice}`,
    options: slackRetries,
  },
  // Runs again whenever a reconcile pass finds the secret still in the DM (the job found no DM yet, or was lost).
  clearSecret: requestMessageJob('clear-secret', false),
  resendAccess: requestMessageJob('access-dm', true),
  // Brings the audit channel up to date (every line waiting, not only this event's); asked again by the
  // reconciler while lines wait, so it is never done once.
  postAudit: {
    queue: QUEUE_NAMES.notify,
    doneOnce: false,
    payload: z.strictObject({ auditEventId: z.string().regex(/^\d+$/) }),
    jobId: (p: { auditEventId: string }) => `audit-${p.auditEventId}`,
    options: slackRetries,
  },
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;

/** Backoff for `capped` jobs: doubling from one second, never more than the cap. */
export function cappedBackoff(attemptsMade: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attemptsMade - 1), MAX_REVOKE_BACKOFF_MS);
}
