import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/main/config';
import { createLogger } from '../../src/shared/logger';
import { startRuntime } from '../../src/main/lifecycle';
import { EXAMPLE_CATALOG_ENV } from '../support/example-catalog';
import { type AppProcess, freePort } from '../support/app-process';
import { Harness } from '../support/harness';
import { waitUntil } from '../support/wait';
import { sampleOf } from '../support/prometheus';
import { privateRedis } from '../support/redis';

const CLOSED_PORT_URL = { redis: 'redis://127.0.0.1:1', postgres: 'postgresql://postgres@127.0.0.1:1/nowhere' };

async function startWeb(overrides: Record<string, string>, logger = createLogger({ level: 'silent', pretty: false })) {
  const env = {
    ...process.env,
    SLACK_BOT_TOKEN: 'xoxb-health',
    SLACK_SIGNING_SECRET: 'health-signing-secret',
    SLACK_API_URL: 'http://127.0.0.1:1/api/',
    PROD_ACCESS_CATALOG: path.join(__dirname, '../../catalog.example.yaml'),
    ...EXAMPLE_CATALOG_ENV,
    PORT: '0',
    ...overrides,
  };
  const runtime = await startRuntime(loadConfig(env), 'web', logger, env);
  return { runtime, get: (route: string) => getJson(runtime.opsPort, route) };
}

async function getJson(port: number, route: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/healthz and /readyz', () => {
  test('answer 200 while PostgreSQL and Redis are up; /healthz checks neither', async () => {
    const { runtime, get } = await startWeb({});
    try {
      expect(runtime.opsPort).toBe(runtime.port);
      expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok', eventLoopDelayMs: expect.any(Number) } });
      expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ok', postgres: true, redis: true } });
    } finally {
      await runtime.stop();
    }
  });

  test.each(['redis', 'postgres'] as const)('/readyz answers 503 naming %s when it is down; /healthz stays 200', async (down) => {
    const { runtime, get } = await startWeb({ [down === 'redis' ? 'REDIS_URL' : 'DATABASE_URL']: CLOSED_PORT_URL[down] });
    try {
      const ready = await get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'unavailable', down: [down] });
      expect((await get('/healthz')).status).toBe(200);
    } finally {
      await runtime.stop();
    }
  });

  test('with OPS_PORT apart from PORT, the web role serves them there only', async () => {
    const opsPort = await freePort();
    const { runtime, get } = await startWeb({ OPS_PORT: String(opsPort) });
    try {
      expect(runtime.opsPort).toBe(opsPort);
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/readyz')).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${runtime.port}/healthz`)).status).toBe(404);
    } finally {
      await runtime.stop();
    }
  });
});

/**
 * The worker role, in a process of its own as in production, reaching PostgreSQL and Redis through
 * proxies the test cuts (the machine's servers stay up for every other test).
 */
describe('the worker role on its ops port', () => {
  let h: Harness;
  let worker: AppProcess;

  beforeAll(async () => {
    h = await Harness.start({ role: 'none', proxyDependencies: true });
    worker = await h.spawn('worker');
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  const get = (route: string) => getJson(worker.port, route);

  /** Waits for /readyz to give `status`, and returns its body. */
  async function readyzBecomes(status: number): Promise<Record<string, unknown>> {
    let last = '';
    return waitUntil(
      async () => {
        const ready = await get('/readyz');
        last = JSON.stringify(ready);
        return ready.status === status ? ready.body : undefined;
      },
      30_000,
      () => `/readyz to answer ${status}; it answered ${last}; worker output:\n${worker.log.slice(-3000)}`,
    );
  }

  test('answers /healthz and /readyz', async () => {
    expect(worker.log).toMatch(/"opsPort":\d+/);
    expect(await get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await readyzBecomes(200)).toEqual({ status: 'ok', postgres: true, redis: true });
  });

  test('serves /metrics too: the reconcile pass it ran at start-up, the grant counts, the queues', async () => {
    const res = await fetch(`http://127.0.0.1:${worker.port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sampleOf(text, 'prod_access_reconcile_passes_total', {})).toBeGreaterThanOrEqual(1);
    expect(sampleOf(text, 'prod_access_metrics_database_up', {})).toBe(1);
    expect(sampleOf(text, 'bullmq_job_count', { queue: 'revoke', state: 'waiting' })).toBeDefined();
  });

  test.each([
    ['postgres', () => h.databaseProxy!],
    ['redis', () => h.redisProxy!],
  ] as const)('when %s is cut, /readyz turns 503 naming it while /healthz stays 200; both 200 once it is back', async (name, proxy) => {
    proxy().setMode('down');
    try {
      expect(await readyzBecomes(503)).toMatchObject({ status: 'unavailable', down: [name], [name]: false });
      expect(await get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    } finally {
      proxy().setMode('up');
    }
    expect(await readyzBecomes(200)).toEqual({ status: 'ok', postgres: true, redis: true });
    expect((await get('/healthz')).status).toBe(200);
  });
});

/** What the web role logs at warn level while it starts and stops against `redisUrl`. */
async function startUpWarnings(overrides: Record<string, string> = {}): Promise<string> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const { runtime } = await startWeb(overrides, createLogger({ level: 'warn', pretty: false, destination }));
  await runtime.stop();
  return lines.join('');
}

describe('start-up checks', () => {
  test('a Redis that keeps nothing on disk is warned about at start-up', async () => {
    const redis = await privateRedis(['--maxmemory-policy', 'noeviction', '--save', '', '--appendonly', 'no']);
    try {
      expect(await startUpWarnings({ REDIS_URL: redis.url })).toContain('Redis keeps nothing on disk');
    } finally {
      await redis.stop();
    }
  });

  test('a Redis that may evict keys is warned about at start-up', async () => {
    const redis = await privateRedis(['--maxmemory-policy', 'allkeys-lru', '--appendonly', 'yes']);
    try {
      const warnings = await startUpWarnings({ REDIS_URL: redis.url });
      expect(warnings).toContain('Redis maxmemory-policy is \\"allkeys-lru\\": queued jobs can be evicted; set it to noeviction');
      expect(warnings).not.toContain('keeps nothing on disk');
    } finally {
      await redis.stop();
    }
  });

  test('a Redis set up as it should be (noeviction, AOF on) draws no warning', async () => {
    const redis = await privateRedis(['--maxmemory-policy', 'noeviction', '--appendonly', 'yes']);
    try {
      expect(await startUpWarnings({ REDIS_URL: redis.url })).not.toMatch(/Redis/);
    } finally {
      await redis.stop();
    }
  });
});
