import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/main/config';
import { startRuntime } from '../../src/main/lifecycle';
import { createLogger } from '../../src/shared/logger';
import { EXAMPLE_CATALOG_ENV } from '../support/example-catalog';
import { type PrivateRedis, privateRedis, privateSentinel } from '../support/redis';
import { waitUntil } from '../support/wait';

/** A master and a Sentinel of the test's own: the machine's Redis is neither watched nor written. */
describe('Redis behind Sentinel', () => {
  const MASTER_NAME = 'pa-master';
  const SENTINEL_PASSWORD = `sentinel-${randomBytes(4).toString('hex')}`;
  let master: PrivateRedis;
  let sentinel: PrivateRedis;

  beforeAll(async () => {
    master = await privateRedis(['--save', '', '--appendonly', 'no']);
    sentinel = await privateSentinel(MASTER_NAME, master.port, SENTINEL_PASSWORD);
  });

  afterAll(async () => {
    await sentinel?.stop();
    await master?.stop();
  });

  test('a worker queues and runs its jobs on the master the Sentinel names, every key under its hash-tagged prefix', async () => {
    const prefix = `{pa-sentinel-${randomBytes(4).toString('hex')}}`;
    const env = {
      ...process.env,
      SLACK_BOT_TOKEN: 'xoxb-sentinel',
      SLACK_SIGNING_SECRET: 'sentinel-signing-secret',
      SLACK_API_URL: 'http://127.0.0.1:1/api/',
      PROD_ACCESS_CATALOG: path.join(__dirname, '../../catalog.example.yaml'),
      ...EXAMPLE_CATALOG_ENV,
      PORT: '0',
      // Nothing listens there: every connection must find the master through the Sentinel.
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
      REDIS_SENTINEL_NAME: MASTER_NAME,
      REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
      REDIS_PREFIX: prefix,
      RECONCILE_INTERVAL_SECONDS: '1',
    };
    const runtime = await startRuntime(loadConfig(env), 'worker', createLogger({ level: 'silent', pretty: false }), env);
    const direct = new Redis(master.url);
    try {
      const ready = await fetch(`http://127.0.0.1:${runtime.opsPort}/readyz`);
      expect({ status: ready.status, body: await ready.json() }).toEqual({
        status: 200,
        body: { status: 'ok', postgres: true, redis: true },
      });
      // The reconcile scheduler's jobs, added by the worker role and run by its workers, finished on the master.
      const completed = await waitUntil(
        async () => ((await direct.zcard(`${prefix}:access:completed`)) > 0 ? true : undefined),
        15_000,
        () => `a recurring job completed under ${prefix} on the master`,
      );
      expect(completed).toBe(true);
      const keys = await direct.keys('*');
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((key) => !key.startsWith(`${prefix}:`))).toEqual([]);
    } finally {
      direct.disconnect();
      await runtime.stop();
    }
  });
});
