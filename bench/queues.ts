import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUE_NAMES } from '../src/jobs/definitions';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Waits until the app's queues have nothing waiting or running, so one measurement's tail never loads the next. */
export async function waitForIdleQueues(prefix: string, timeoutMs = 60_000): Promise<void> {
  const connection = new Redis(REDIS_URL);
  const queues = Object.values(QUEUE_NAMES).map((name) => new Queue(name, { connection, prefix }));
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'prioritized')));
      if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
      await sleep(200);
    }
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
