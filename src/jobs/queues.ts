import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger';
import type { Announcements, RequesterNotice, Schedule } from '../app/ports';
import type { ReminderStep } from '../domain/reminders';
import {
  HOME_PUBLISH_WINDOW_MS,
  JOBS,
  type JobName,
  type JobPayload,
  QUEUE_NAMES,
  type QueueName,
  RECURRING_JOB_NAMES,
  type RecurringIntervals,
} from './definitions';

/** A job as it is handed to BullMQ. */
interface WantedJob {
  queue: QueueName;
  name: JobName;
  data: unknown;
  jobId: string | undefined;
  opts: JobsOptions;
}

/**
 * The producer side of the queues: the schedules and announcements the use-cases ask for.
 * Adding a job whose id already waits is a no-op, so every call here can be repeated safely; a job that
 * exhausted its retries is retried, and a finished schedule is added again, since the caller read from the
 * database that it is still needed.
 */
export class JobQueues implements Schedule, Announcements {
  readonly queues: Record<QueueName, Queue>;

  /** The jobs asked for in this tick, sent together once it ends. */
  private batch?: { jobs: WantedJob[]; sent: Promise<Promise<void>[]> };

  constructor(
    private readonly connection: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.queues = Object.fromEntries(Object.values(QUEUE_NAMES).map((name) => [name, new Queue(name, { connection, prefix })])) as Record<
      QueueName,
      Queue
    >;
    for (const queue of Object.values(this.queues)) queue.on('error', (err) => logger.warn({ err, queue: queue.name }, 'queue error'));
  }

  /**
   * Adds the job. Every job asked for while the caller's work runs on (the same tick and the promises it
   * resolves) goes to Redis together, in one round trip: one `addBulk` per queue, written on one connection
   * right after one pipeline asking which of their ids are taken by a finished job, then dealt with as above.
   */
  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, delayMs = 0): Promise<void> {
    const job = JOBS[name];
    const data = job.payload.parse(payload);
    const jobId = job.jobId ? (job.jobId as (p: JobPayload<N>) => string)(data as JobPayload<N>) : undefined;
    const wanted: WantedJob = { queue: job.queue, name, data, jobId, opts: { ...job.options, jobId, delay: Math.max(0, delayMs) } };
    if (!this.batch) {
      const batch: WantedJob[] = [];
      const sent = new Promise<void>((resolve) => process.nextTick(resolve)).then(() => {
        this.batch = undefined;
        return this.send(batch);
      });
      this.batch = { jobs: batch, sent };
    }
    const index = this.batch.jobs.push(wanted) - 1;
    return (await this.batch.sent)[index];
  }

  /** One promise per job, in order: settled once its queue took it and, if its id was taken by a finished job, that job was seen to. */
  private send(batch: readonly WantedJob[]): Promise<void>[] {
    // Written first on the connection the queues share, so Redis answers it before it runs any add below.
    // `finishedOn` is set only while a job is completed or failed: a job still waiting its turn costs nothing more.
    const ids = batch.flatMap((job) => (job.jobId ? [['hget', this.queueOf(job).toKey(job.jobId), 'finishedOn']] : []));
    const taken = ids.length > 0 ? this.connection.pipeline(ids).exec() : Promise.resolve([]);
    const added = new Map<QueueName, Promise<unknown>>();
    for (const queue of new Set(batch.map((job) => job.queue))) {
      const jobs = batch.filter((job) => job.queue === queue).map(({ name, data, opts }) => ({ name, data, opts }));
      added.set(queue, this.queues[queue].addBulk(jobs));
    }
    let withId = 0;
    return batch.map((job) => {
      const takenAt = job.jobId ? withId++ : -1;
      return (async () => {
        const [, answers] = await Promise.all([added.get(job.queue), taken]);
        if (takenAt < 0) return;
        const [error, finishedOn] = answers![takenAt]!;
        if (error) throw error;
        if (finishedOn !== null) await this.seeToFinished(job);
      })();
    });
  }

  /** The job's id was taken by a finished job before this add (which left it alone): a failed one is retried, a completed schedule added again. */
  private async seeToFinished(job: WantedJob): Promise<void> {
    const queue = this.queueOf(job);
    const existing = await queue.getJob(job.jobId!);
    const state = existing ? await existing.getState() : undefined;
    if (state === 'failed') await existing!.retry('failed');
    else if (state === 'completed' && !JOBS[job.name].doneOnce) {
      await existing!.remove();
      await queue.add(job.name, job.data, job.opts);
    }
  }

  private queueOf(job: WantedJob): Queue {
    return this.queues[job.queue];
  }

  grant(requestId: number): Promise<void> {
    return this.enqueue('grant', { requestId });
  }

  grantAt(requestId: number, at: Date): Promise<void> {
    return this.enqueue('grant', { requestId }, at.getTime() - Date.now());
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

  warnBeforeExpiryAt(requestId: number, at: Date): Promise<void> {
    return this.enqueue('warnBeforeExpiry', { requestId }, at.getTime() - Date.now());
  }

  async syncApprovalMessage(requestId: number, notice?: RequesterNotice): Promise<void> {
    await Promise.all([this.enqueue('syncApprovalMessage', { requestId }), notice && this.notify(requestId, notice)]);
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

  sendReminderStep(requestId: number, step: ReminderStep): Promise<void> {
    return this.enqueue('reminderStep', { requestId, step });
  }

  escalateReview(requestId: number): Promise<void> {
    return this.enqueue('escalateReview', { requestId });
  }

  notify(requestId: number, notice: RequesterNotice): Promise<void> {
    return this.enqueue('notifyRequester', { requestId, notice });
  }

  refreshHomes(requestId: number): Promise<void> {
    return this.enqueue('refreshHomes', { requestId });
  }

  /** The job of the window now open, run once it has closed. */
  publishHome(userId: string): Promise<void> {
    const now = Date.now();
    const window = Math.floor(now / HOME_PUBLISH_WINDOW_MS);
    return this.enqueue('publishHome', { userId, window }, (window + 1) * HOME_PUBLISH_WINDOW_MS - now);
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
      if (everySeconds[name] === 0) {
        await this.queues[job.queue].removeJobScheduler(job.schedulerId);
        continue;
      }
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

  /** Each queue's job counts in Prometheus' text format, as BullMQ writes them (one text per queue). */
  prometheusMetrics(): Promise<string[]> {
    return Promise.all(Object.values(this.queues).map((queue) => queue.exportPrometheusMetrics()));
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }
}
