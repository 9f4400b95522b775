import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUE_NAMES, type QueueName } from '../src/jobs/definitions';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Waits until the app's queues have nothing waiting or running, so one measurement's tail never loads the
 * next; false when they were still busy after `timeoutMs` (Slack messages queued at Slack's pace, say).
 */
export async function waitForIdleQueues(prefix: string, timeoutMs = 60_000): Promise<boolean> {
  const connection = new Redis(REDIS_URL);
  const queues = Object.values(QUEUE_NAMES).map((name) => new Queue(name, { connection, prefix }));
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'prioritized')));
      if (counts.every((c) => Object.values(c).every((n) => n === 0))) return true;
      await sleep(200);
    }
    return false;
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    connection.disconnect();
  }
}

/**
 * The floor for the queue benchmarks: a BullMQ queue and a worker that does nothing, on the same Redis.
 * `onDone` gets each job as it completes.
 */
export async function withBareQueue<T>(
  prefix: string,
  concurrency: number,
  work: (queue: Queue, startWorker: (onDone: (data: { dueAt?: number }) => void) => Worker) => Promise<T>,
): Promise<T> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('bare', { connection, prefix });
  const workers: Worker[] = [];
  const workerConnections: Redis[] = [];
  const startWorker = (onDone: (data: { dueAt?: number }) => void) => {
    const workerConnection = connection.duplicate();
    workerConnections.push(workerConnection);
    const worker = new Worker('bare', async () => undefined, { connection: workerConnection, prefix, concurrency });
    worker.on('completed', (job) => onDone(job.data as { dueAt?: number }));
    workers.push(worker);
    return worker;
  };
  try {
    return await work(queue, startWorker);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.obliterate({ force: true });
    await queue.close();
    [connection, ...workerConnections].forEach((c) => c.disconnect());
  }
}

/**
 * The app's jobs as they finish, from BullMQ's own event stream (which the app writes whether or not anyone
 * listens, so listening costs the app nothing): a wait for a job's completion resolves as the event arrives.
 */
export class JobEvents {
  private readonly events: QueueEvents[];
  private readonly connections: Redis[] = [];
  private readonly waiting = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();

  private constructor(prefix: string, queues: QueueName[]) {
    this.events = queues.map((name) => {
      const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      this.connections.push(connection);
      const events = new QueueEvents(name, { connection, prefix });
      events.on('completed', ({ jobId }) => this.settle(`${name}/${jobId}`));
      events.on('failed', ({ jobId, failedReason }) =>
        this.settle(`${name}/${jobId}`, new Error(`${name} job ${jobId} failed: ${failedReason}`)),
      );
      return events;
    });
  }

  static async start(prefix: string, queues: QueueName[]): Promise<JobEvents> {
    const events = new JobEvents(prefix, queues);
    await Promise.all(events.events.map((e) => e.waitUntilReady()));
    return events;
  }

  /** Call before the action that queues the job, so its completion cannot come first. */
  completion(queue: QueueName, jobId: string, timeoutMs = 30_000): Promise<void> {
    const key = `${queue}/${jobId}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`${queue} job ${jobId} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      this.waiting.set(key, { resolve: () => done(), reject: done });
    });
  }

  private settle(key: string, error?: Error): void {
    const waiter = this.waiting.get(key);
    if (!waiter) return;
    this.waiting.delete(key);
    if (error) waiter.reject(error);
    else waiter.resolve();
  }

  async close(): Promise<void> {
    await Promise.all(this.events.map((e) => e.close()));
    this.connections.forEach((c) => c.disconnect());
  }
}
