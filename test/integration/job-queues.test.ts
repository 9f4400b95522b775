import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { HOME_PUBLISH_WINDOW_MS } from '../../src/jobs/definitions';
import { JobQueues } from '../../src/jobs/queues';
import { createLogger } from '../../src/shared/logger';
import { clearRedis } from '../support/harness';
import { waitUntil } from '../support/wait';

/** Scheduling with no worker running, to see what waits in Redis. */
describe('JobQueues', () => {
  const prefix = `pa-test-jq-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const queues = new JobQueues(redis, prefix, createLogger({ level: 'silent', pretty: false }));

  afterAll(async () => {
    await queues.close();
    redis.disconnect();
    await clearRedis(prefix);
  });

  test('a lagging message found by pass after pass has one re-sync pending; each change still has its own sync', async () => {
    for (let pass = 0; pass < 3; pass++) await queues.resyncApprovalMessage(7);
    await queues.syncApprovalMessage(7);
    await queues.syncApprovalMessage(7);
    const waiting = await queues.queues.notify.getJobs(['waiting']);
    expect(waiting.filter((j) => j.name === 'resyncApprovalMessage')).toHaveLength(1);
    expect(waiting.filter((j) => j.name === 'syncApprovalMessage')).toHaveLength(2);
  });

  test('asks to re-publish one App Home within a window are one job, run once the window has closed', async () => {
    const asked = Date.now();
    await Promise.all([queues.publishHome('U0ALICE'), queues.publishHome('U0ALICE'), queues.publishHome('U0BOB')]);
    const homes = (await queues.queues.home.getJobs(['delayed'])).filter((j) => j.name === 'publishHome');
    expect(homes.map((j) => j.data.userId).sort()).toEqual(['U0ALICE', 'U0BOB']);
    for (const job of homes) {
      // Named for its window (`home-<user>-<window>`), delayed to the window's end.
      const window = Number(job.id!.split('-').at(-1));
      expect(job.id).toBe(`home-${job.data.userId}-${window}`);
      expect((window + 1) * HOME_PUBLISH_WINDOW_MS).toBeGreaterThan(asked);
      expect(job.delay).toBeLessThanOrEqual(HOME_PUBLISH_WINDOW_MS);
    }
  });

  test('the jobs one change asks for go to Redis in one round trip: every command is written before the first answer', async () => {
    await queues.syncApprovalMessage(1); // the connection ready and BullMQ's scripts loaded
    const seen: string[] = [];
    const { stream } = redis;
    const write = stream.write;
    stream.write = function (this: typeof stream, ...args: Parameters<typeof write>) {
      seen.push('written');
      return write.apply(this, args);
    } as typeof write;
    const answered = () => seen.push('answered');
    stream.prependListener('data', answered);
    try {
      await Promise.all([
        queues.expirePendingAt(8, new Date(Date.now() + 3_600_000)),
        queues.syncApprovalMessage(8),
        queues.postAudit([80n]),
      ]);
    } finally {
      stream.write = write;
      stream.off('data', answered);
    }
    expect(seen.indexOf('answered')).toBeGreaterThan(seen.lastIndexOf('written'));
    expect(await queues.queues.access.getJob('expire-pending-8')).toMatchObject({ name: 'expirePending', delay: expect.any(Number) });
    expect(await queues.queues.audit.getJob('audit-80')).toMatchObject({ name: 'postAudit' });
    // Asked for again, a job whose id waits stays one job.
    await queues.expirePendingAt(8, new Date(Date.now() + 3_600_000));
    expect(await queues.queues.access.getJobs(['delayed'])).toHaveLength(1);
  });

  test('a finished schedule asked for again is put back: completed, it is added again; failed, retried; a message sent once stays sent', async () => {
    const own = `${prefix}-finished`;
    const finishing = new JobQueues(redis, own, createLogger({ level: 'silent', pretty: false }));
    try {
      const askAgain = async () => {
        await Promise.all([finishing.grant(41), finishing.grant(42), finishing.resendAccess(41)]);
      };
      await askAgain();
      await finishNext(own, 'access', 'completed');
      await finishNext(own, 'access', 'failed');
      await finishNext(own, 'notify', 'completed');
      await askAgain();

      const state = (queue: 'access' | 'notify', id: string) => finishing.queues[queue].getJobState(id);
      expect(await state('access', 'grant-41')).toBe('waiting');
      expect(await state('access', 'grant-42')).toBe('waiting');
      expect(await state('notify', 'access-dm-41')).toBe('completed');
    } finally {
      await finishing.close();
      await clearRedis(own);
    }
  });

  /** Takes the next job of a queue as a worker would and finishes it, for good when it fails. */
  async function finishNext(queuePrefix: string, queue: 'access' | 'notify', as: 'completed' | 'failed'): Promise<void> {
    const worker = new Worker(queue, null, { connection: redis, prefix: queuePrefix, autorun: false });
    try {
      const job = (await worker.getNextJob('test-token'))!;
      if (as === 'completed') await job.moveToCompleted('done', 'test-token', false);
      else await job.moveToFailed(new UnrecoverableError('gave up'), 'test-token', false);
    } finally {
      await worker.close();
    }
  }

  test('the recurring jobs have one scheduler each, however often they are put in place, and a lost one comes back', async () => {
    const every = { reconcile: 30, driftCheck: 3600, anchorAudit: 7200, reminderSweep: 60, sessionSample: 30, accessDigest: 604_800 };
    const stops = [await queues.keepRecurringScheduled(every, 100), await queues.keepRecurringScheduled(every, 100)];
    try {
      const schedulers = async () =>
        (await queues.queues.access.getJobSchedulers())
          .map((s) => ({ id: s.key, name: s.name, every: Number(s.every) }))
          .sort((a, b) => a.id.localeCompare(b.id));
      expect(await schedulers()).toEqual([
        { id: 'access-digest', name: 'accessDigest', every: 604_800_000 },
        { id: 'audit-anchor', name: 'anchorAudit', every: 7_200_000 },
        { id: 'drift-check', name: 'driftCheck', every: 3_600_000 },
        { id: 'reconcile', name: 'reconcile', every: 30_000 },
        { id: 'reminder-sweep', name: 'reminderSweep', every: 60_000 },
        { id: 'session-sample', name: 'sessionSample', every: 30_000 },
      ]);
      await queues.queues.access.removeJobScheduler('reconcile');
      await waitUntil(
        async () => ((await schedulers()).some((s) => s.id === 'reconcile') ? true : undefined),
        5000,
        () => 'the reconcile scheduler to be put back',
      );
      expect(await schedulers()).toHaveLength(6);
    } finally {
      for (const stop of stops) stop();
    }
    // An interval of 0 (ACCESS_DIGEST_INTERVAL_SECONDS=0) turns the digest off: its scheduler is removed.
    const stop = await queues.keepRecurringScheduled({ ...every, accessDigest: 0 }, 60_000);
    stop();
    const left = await queues.queues.access.getJobSchedulers();
    expect(left.map((s) => s.key).sort()).toEqual(['audit-anchor', 'drift-check', 'reconcile', 'reminder-sweep', 'session-sample']);
  });
});
