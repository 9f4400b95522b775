import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { REMINDER_STEPS } from '../domain/reminders';
import { REQUESTER_NOTICES } from '../domain/request';

/**
 * Five queues, each with its own worker slots: Slack slowness (notify) never delays access work, nothing
 * else (a grant stuck on its access DM, a reconcile pass) ever delays a revoke, App Homes (home: one publish
 * per person a change shows to, a whole approver group's) never delay the messages people wait for, and the
 * audit channel, which paces itself, never waits behind a burst of rate-limited DMs and approval messages.
 */
export const QUEUE_NAMES = { access: 'access', revoke: 'revoke', notify: 'notify', home: 'home', audit: 'audit' } as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

const requestPayload = z.strictObject({ requestId: z.number().int().positive() });

/** A Slack user, and which publish window of their App Home (HOME_PUBLISH_WINDOW_MS long, counted from the epoch). */
const homePayload = z.strictObject({ userId: z.string().regex(/^[UW][A-Z0-9]+$/), window: z.number().int().nonnegative() });

/**
 * How long asks to re-publish one App Home are gathered into one publish. Losing the job only leaves the
 * home stale until the person opens it again (which publishes it), so the reconciler does not re-derive it.
 */
export const HOME_PUBLISH_WINDOW_MS = 1000;

/** Revokes retry until they succeed, backing off to at most this long between tries. */
export const MAX_REVOKE_BACKOFF_MS = 5 * 60_000;

const keep = { removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } } satisfies JobsOptions;

/** One job per request under `idPrefix`. */
const perRequest =
  (idPrefix: string) =>
  (p: { requestId: number }): string =>
    `${idPrefix}-${p.requestId}`;

/**
 * A Slack message, on the notify queue, retried through an outage backing off to the cap (the reconciler
 * asks again after that). `doneOnce`: a completed one is not sent again; without a `jobId` every call is a job.
 */
function notifyJob<P extends z.ZodType>(doneOnce: boolean, payload: P, jobId?: (p: z.infer<P>) => string) {
  return {
    queue: QUEUE_NAMES.notify,
    doneOnce,
    payload,
    jobId,
    options: { ...keep, attempts: 20, backoff: { type: 'capped' } },
  } as const;
}

/** An App Home job, on the home queue; a few tries, then it is dropped (the home is published again when opened). */
function homeJob<P extends z.ZodType>(payload: P, jobId?: (p: z.infer<P>) => string) {
  return {
    queue: QUEUE_NAMES.home,
    doneOnce: false,
    payload,
    jobId,
    options: { removeOnComplete: true, removeOnFail: { age: 3600 }, attempts: 5, backoff: { type: 'capped' } },
  } as const;
}

/** A revoke, scheduled at expiry (`revoke`) or at once (`revoke-now`): retried until it succeeds. */
function revokeJob(idPrefix: string) {
  return {
    queue: QUEUE_NAMES.revoke,
    doneOnce: false,
    payload: requestPayload,
    jobId: perRequest(idPrefix),
    options: { ...keep, attempts: Number.MAX_SAFE_INTEGER, backoff: { type: 'capped' } },
  } as const;
}

/**
 * A job a scheduler runs every interval (a setting the worker role passes); it keeps only its latest runs.
 * `schedulerId` names the scheduler, so every worker that puts it in place upserts the same one.
 */
function recurringJob(schedulerId: string) {
  return {
    queue: QUEUE_NAMES.access,
    doneOnce: false,
    payload: z.strictObject({}),
    jobId: () => schedulerId,
    schedulerId,
    options: { removeOnComplete: 100, removeOnFail: 100 },
  } as const;
}

/**
 * Every job, declared once: its queue, its payload (ids only, never secrets), its deterministic id
 * (so scheduling twice is one job), its retry policy and, for the recurring ones, their scheduler.
 * `doneOnce` jobs (messages) stay done once completed; schedules are added again when the database says
 * they are still needed.
 */
export const JOBS = {
  // At once on approval, or delayed to the request's scheduled start (`grantAt`): one id either way.
  grant: {
    queue: QUEUE_NAMES.access,
    doneOnce: false,
    payload: requestPayload,
    jobId: perRequest('grant'),
    options: { ...keep, attempts: 5, backoff: { type: 'exponential', delay: 2000 } },
  },
  revoke: revokeJob('revoke'),
  revokeNow: revokeJob('revoke-now'),
  expirePending: {
    queue: QUEUE_NAMES.access,
    doneOnce: false,
    payload: requestPayload,
    jobId: perRequest('expire-pending'),
    options: { ...keep, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
  },
  reconcile: recurringJob('reconcile'),
  driftCheck: recurringJob('drift-check'),
  // Appends the audit chain's head as an event, which postAudit then posts in the audit channel.
  anchorAudit: recurringJob('audit-anchor'),
  // Reads the pending requests owed a reminder or an escalation and asks for one reminderStep job each.
  reminderSweep: recurringJob('reminder-sweep'),
  // Reads the sessions of live grants on idle-bound levels, records when one was seen, and ends the idle ones.
  sessionSample: recurringJob('session-sample'),
  // The access review of the last whole window, recorded once as an audit row (the audit channel posts it).
  accessDigest: recurringJob('access-digest'),
  // Renders a request's approval message from the database and posts or updates it. Each change gets its
  // own job: every run renders the latest state, so none is ever skipped.
  syncApprovalMessage: notifyJob(true, requestPayload),
  // The reconciler's re-sync of a lagging message: one per request, however many passes find it, and run
  // again whenever a later pass finds the message still lagging.
  resyncApprovalMessage: notifyJob(false, requestPayload, perRequest('resync')),
  notifyRequester: notifyJob(true, requestPayload.extend({ notice: z.enum(REQUESTER_NOTICES) }), (p) => `dm-${p.requestId}-${p.notice}`),
  // Runs again whenever a reconcile pass finds the secret still in the DM (the job found no DM yet, or was lost).
  clearSecret: notifyJob(false, requestPayload, perRequest('clear-secret')),
  resendAccess: notifyJob(true, requestPayload, perRequest('access-dm')),
  // One per request and step (`reminder-12`, `escalation-12`). The step's claim and record in the database
  // keep it sent once, so a later sweep may ask again while it is not recorded.
  reminderStep: notifyJob(false, requestPayload.extend({ step: z.enum(REMINDER_STEPS) }), (p) => `${p.step}-${p.requestId}`),
  // The owners' channel told that a break-glass grant is still unreviewed; the reconciler asks again until it is sent.
  escalateReview: notifyJob(true, requestPayload, perRequest('review-escalation')),
  // Delayed until the warning is due; the claim on the request sends it once, so the reconciler may ask again.
  warnBeforeExpiry: notifyJob(false, requestPayload, perRequest('expiry-warning')),
  // Brings the audit channel up to date (every line waiting, not only this event's); asked again by the
  // reconciler while lines wait, so it is never done once.
  postAudit: {
    ...notifyJob(false, z.strictObject({ auditEventId: z.string().regex(/^\d+$/) }), (p) => `audit-${p.auditEventId}`),
    queue: QUEUE_NAMES.audit,
  },
  // After a change, the App Homes that show the request: one publishHome per person. Each change its own job.
  refreshHomes: homeJob(requestPayload),
  // One person's App Home, published at the end of its window (HOME_PUBLISH_WINDOW_MS): every ask within
  // a window is the same job, run after the window has closed, so it renders every change made in it.
  publishHome: homeJob(homePayload, (p) => `home-${p.userId}-${p.window}`),
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;

/** The jobs a scheduler runs, each every so many seconds (0: not at all, its scheduler removed). */
export type RecurringJobName = { [N in JobName]: (typeof JOBS)[N] extends { schedulerId: string } ? N : never }[JobName];
export type RecurringIntervals = Record<RecurringJobName, number>;
export const RECURRING_JOB_NAMES = (Object.keys(JOBS) as JobName[]).filter((name): name is RecurringJobName => 'schedulerId' in JOBS[name]);

/** Backoff for `capped` jobs: doubling from one second, never more than the cap. */
export function cappedBackoff(attemptsMade: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attemptsMade - 1), MAX_REVOKE_BACKOFF_MS);
}
