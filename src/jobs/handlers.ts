import type { Logger } from '../shared/logger';
import type { JobPayload } from './definitions';
import type { JobHandlers } from './workers';

/** What the jobs run: the use-cases, and the Slack messages rendered from the database when they are sent. */
export interface JobUseCases {
  /** `isFinal`: the job's retry policy; on a final failure the grant records it instead of throwing. */
  grant(requestId: number, isFinal: (error: unknown) => boolean): Promise<unknown>;
  revoke(requestId: number): Promise<unknown>;
  expirePending(requestId: number): Promise<unknown>;
  reconcile(): Promise<unknown>;
  /** Null when there is nothing to anchor: no events yet, or the last one is an anchor. */
  anchorAudit(): Promise<{ text: string } | null>;
  checkDrift(): Promise<{ found: readonly unknown[]; unreadable: readonly unknown[] }>;
  postAudit(): Promise<unknown>;
  /** The session sampler of idle-bound grants (app/idle-grants.ts). */
  sampleIdleGrants(): Promise<{ sampled: number; ended: readonly unknown[]; unreadable: readonly unknown[] }>;
  /** Null when the window's digest was already recorded, or the window had no request. */
  accessDigest(): Promise<{ window: { from: Date; to: Date } } | null>;
  reminders: {
    sweep(): Promise<unknown>;
    sendStep(requestId: number, step: JobPayload<'reminderStep'>['step']): Promise<unknown>;
  };
  warnBeforeExpiry(requestId: number): Promise<unknown>;
  messages: {
    syncApprovalMessage(requestId: number): Promise<void>;
    notifyRequester(requestId: number, notice: JobPayload<'notifyRequester'>['notice']): Promise<void>;
    clearSecret(requestId: number): Promise<void>;
    resendAccess(requestId: number): Promise<void>;
    escalateReview(requestId: number): Promise<void>;
  };
  homes: {
    refresh(requestId: number): Promise<void>;
    publish(userId: string): Promise<void>;
  };
}

/** Each job, run by its use-case; what a handler returns is the job's result (kept a while in Redis). */
export function jobHandlers(useCases: JobUseCases, logger: Logger): JobHandlers {
  const { messages } = useCases;
  return {
    grant: ({ requestId }, { isFinal }) => useCases.grant(requestId, isFinal),
    revoke: ({ requestId }) => useCases.revoke(requestId),
    revokeNow: ({ requestId }) => useCases.revoke(requestId),
    expirePending: ({ requestId }) => useCases.expirePending(requestId),
    reconcile: () => useCases.reconcile(),
    anchorAudit: async () => (await useCases.anchorAudit())?.text ?? 'unchanged',
    driftCheck: async () => {
      const report = await useCases.checkDrift();
      if (report.unreadable.length > 0) logger.warn({ unreadable: report.unreadable }, 'drift check could not read some targets');
      return { found: report.found.length };
    },
    syncApprovalMessage: ({ requestId }) => messages.syncApprovalMessage(requestId),
    resyncApprovalMessage: ({ requestId }) => messages.syncApprovalMessage(requestId),
    notifyRequester: ({ requestId, notice }) => messages.notifyRequester(requestId, notice),
    clearSecret: ({ requestId }) => messages.clearSecret(requestId),
    resendAccess: ({ requestId }) => messages.resendAccess(requestId),
    escalateReview: ({ requestId }) => messages.escalateReview(requestId),
    warnBeforeExpiry: ({ requestId }) => useCases.warnBeforeExpiry(requestId),
    postAudit: () => useCases.postAudit(),
    reminderSweep: () => useCases.reminders.sweep(),
    sessionSample: async () => {
      const report = await useCases.sampleIdleGrants();
      // A target that cannot be read keeps its grants (counted as not idle): said here, so it is seen.
      if (report.unreadable.length > 0) logger.warn({ unreadable: report.unreadable }, 'session sampler could not read some targets');
      return { sampled: report.sampled, ended: report.ended };
    },
    accessDigest: async () => {
      const digest = await useCases.accessDigest();
      return digest ? { from: digest.window.from.toISOString(), to: digest.window.to.toISOString() } : 'nothing new';
    },
    reminderStep: ({ requestId, step }) => useCases.reminders.sendStep(requestId, step),
    refreshHomes: ({ requestId }) => useCases.homes.refresh(requestId),
    publishHome: ({ userId }) => useCases.homes.publish(userId),
  };
}
