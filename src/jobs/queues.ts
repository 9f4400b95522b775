import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger';
import type { Announcements, RequesterNotice, Schedule } from '../app/ports';
import {
  JOBS,
  type JobName,
  type JobPayload,
  QUEUE_NAMES,
  type QueueName,
  RECURRING_JOB_NAMES,
  type RecurringIntervals,
} from './definitions';

/**
 * The producer side of the queues: the schedules and announcements the use-cases ask for.
 * Adding a job whose id already waits is a no-op, so every call here can be repeated safely; a job that
 * exhausted its retries is retried, and a finished schedule is added again, since the caller read from the
 * database that it is still needed.
 */
export class JobQueues implements Schedule, Announcements {
  readonly queues: Record<QueueName, Queue>;

  constructor(
    connection: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.queues = Object.fromEntries(Object.values(QUEUE_NAMES).map((name) => [name, new Queue(name, { connection, prefix })])) as Record<
      QueueName,
      Queue
    >;
    for (const queue of Object.values(this.queues)) queue.on('error', (err) => logger.warn({ err, queue: queue.name }, 'queue error'));
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, delayMs = 0): Promise<void> {
    const job = JOBS[name];
    const data = job.payload.parse(payload);
    const jobId = job.jobId ? (job.jobId as (p: JobPayload<N>) => string)(data as JobPayload<N>) : undefined;
    const queue = this.queues[job.queue];
    if (jobId) {
      const existing = await queue.getJob(jobId);
      const state = existing ? await existing.getState() : undefined;
      if (state === 'failed') {
        await existing!.retry('failed');
        return;
      }
      if (state === 'completed' && !job.doneOnce) await existing!.remove();
    }
    await queue.add(name, data, { ...job.options, jobId, delay: Math.max(0, delayMs) });
  }

  grant(requestId: number): Promise<void> {
    return this.enqueue('grant', { requestId });
  }

  revokeAt(requestId: number, at: Date): Promise<void> {
    return this.enqueue('revoke', { requestId }, at.getTime() - Date.now());
  }

  async revokeNow(requestId: number): Promise<void> {
    await this.enqueue('revokeNow', { requestId });
  }

  expirePendingAt(requestId: number, at: Date): Promise<void> {
    return this.enqueue('expirePending', { requestId }, at.getTime() - Date.now());
  }

  async syncApprovalMessage(requestId: number, notice?: RequesterNotice): Promise<void> {
    await this.enqueue('syncApprovalMessage', { requestId });
    if (notice) await this.notify(requestId, notice);
  }

  resyncApprovalMessage(requestId: number): Promise<void> {
    return this.enqueue('resyncApprovalMessage', { requestId });
  }

  resendAccess(requestId: number): Promise<void> {
    return this.enqueue('resendAccess', { requestId });
  }

  clearSecret(requestId: number): Promise<void> {
    return this.enqueue('clearSecret', { requestId });
  }

  notify(requestId: number, notice: RequesterNotice): Promise<void> {
    return this.enqueue('notifyRequester', { requestId, notice });
  }

  /** One job brings the audit channel up to date, named for the newest of these events. */
  async postAudit(auditEventIds: readonly bigint[]): Promise<void> {
    if (auditEventIds.length === 0) return;
    const newest = auditEventIds.reduce((a, b) => (b > a ? b : a));
    await this.enqueue('postAudit', { auditEventId: newest.toString() });
  }

  /** One run per interval however many workers run: BullMQ keeps a single scheduler per id. */
  private async scheduleRecurring(everySeconds: RecurringIntervals): Promise<void> {
    for (const name of RECURRING_JOB_NAMES) {
      const job = JOBS[name];
      await this.queues[job.queue].upsertJobScheduler(
        job.schedulerId,
        { every: everySeconds[name] * 1000 },
        { name, data: {}, opts: job.options },
      );
    }
  }

  /**
   * The schedulers in place now, and put back every `renewMs`: Redis may lose them (a flush, a failover
   * without persistence), and the upsert keeps one per id however many workers do it. Returns the stop.
   */
  async keepRecurringScheduled(everySeconds: RecurringIntervals, renewMs: number): Promise<() => void> {
    await this.scheduleRecurring(everySeconds);
    const renewal = setInterval(
      () => void this.scheduleRecurring(everySeconds).catch((err: unknown) => this.logger.warn({ err }, 'job schedulers not renewed')),
      renewMs,
    );
    return () => clearInterval(renewal);
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }
}
