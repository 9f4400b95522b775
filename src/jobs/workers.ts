import { type Job, MetricsTime, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { PermanentError } from '../domain/errors';
import type { Logger } from '../shared/logger';
import { cappedBackoff, JOBS, type JobName, type JobPayload, QUEUE_NAMES, type QueueName } from './definitions';

export interface JobContext {
  /**
   * Whether a failure is final: any failure on the job's last try, a PermanentError on any try. A handler that
   * may give up (the grant) then records the failure instead of throwing; what is rethrown is retried.
   */
  isFinal(error: unknown): boolean;
}

/** The job's retry policy, decided from its tries left and from the class of the error. */
export function contextOf(job: Pick<Job, 'attemptsMade' | 'opts'>): JobContext {
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  return { isFinal: (error) => lastAttempt || error instanceof PermanentError };
}

export type JobHandlers = { [N in JobName]: (payload: JobPayload<N>, context: JobContext) => Promise<unknown> };

export interface WorkerOptions {
  connection: () => Redis;
  prefix: string;
  concurrency: number;
  /** A killed worker's jobs are picked up by another worker once this lock expires. */
  lockMs: number;
  handlers: JobHandlers;
  logger: Logger;
}

/** One worker per queue; each job's payload is checked against its declaration before its handler runs. */
export function startWorkers(options: WorkerOptions): Worker[] {
  return (Object.values(QUEUE_NAMES) as QueueName[]).map((queue) => {
    const worker = new Worker(queue, (job) => runJob(job, options), {
      connection: options.connection(),
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      // A job stalls when its worker dies or starves; every job is idempotent, so run it again rather than fail it.
      maxStalledCount: 10,
      settings: { backoffStrategy: (attemptsMade) => cappedBackoff(attemptsMade) },
      // Counts finished jobs for /metrics (bullmq_job_completed_total, _failed_total), with an hour of per-minute points.
      metrics: { maxDataPoints: MetricsTime.ONE_HOUR },
    });
    worker.on('failed', (job, error) =>
      options.logger.warn({ queue, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: error }, 'job failed'),
    );
    worker.on('error', (error) => options.logger.error({ queue, err: error }, 'worker error'));
    return worker;
  });
}

async function runJob(job: Job, { handlers, logger }: WorkerOptions): Promise<unknown> {
  const name = job.name as JobName;
  const declaration = JOBS[name];
  if (!declaration) throw new UnrecoverableError(`unknown job ${job.name}`);
  const payload = declaration.payload.safeParse(job.data);
  if (!payload.success) throw new UnrecoverableError(`bad payload for ${job.name}: ${payload.error.message}`);
  const handler = handlers[name] as (payload: unknown, context: JobContext) => Promise<unknown>;
  const result = await handler(payload.data, contextOf(job));
  logger.debug({ job: name, jobId: job.id, result }, 'job done');
  return result;
}
