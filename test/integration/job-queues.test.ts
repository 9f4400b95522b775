import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { JobQueues } from '../../src/jobs/queues';
import { createLogger } from '../../src/shared/logger';
import { clearRedis } from '../support/harness';

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
    for (let pass = 0; pass < 3; pass++) await queues.resyncMessage(7);
    await queues.requestChanged(7);
    await queues.requestChanged(7);
    const waiting = await queues.queues.notify.getJobs(['waiting']);
    expect(waiting.filter((j) => j.name === 'resyncMessage')).toHaveLength(1);
    expect(waiting.filter((j) => j.name === 'syncMessage')).toHaveLength(2);
  });
});
