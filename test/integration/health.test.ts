import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startRuntime } from '../../src/runtime';

const CLOSED_PORT_URL = { redis: 'redis://127.0.0.1:1', postgres: 'postgresql://postgres@127.0.0.1:1/nowhere' };

async function startWeb(overrides: Record<string, string>, logger = createLogger({ level: 'silent', pretty: false })) {
  const env = {
    ...process.env,
    SLACK_BOT_TOKEN: 'xoxb-health',
    SLACK_SIGNING_SECRET: 'health-signing-secret',
    SLACK_API_URL: 'http://127.0.0.1:1/api/',
    PROD_ACCESS_CATALOG: path.join(__dirname, '../../catalog.example.yaml'),
    ORDERS_DB_ADMIN_URL: 'postgresql://postgres@127.0.0.1:5432/unused',
    PORT: '0',
    ...overrides,
  };
  const runtime = await startRuntime(loadConfig(env), 'web', logger, env);
  const get = async (route: string) => {
    const res = await fetch(`http://127.0.0.1:${runtime.port}${route}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { runtime, get };
}

describe('/healthz and /readyz', () => {
  test('answer 200 while PostgreSQL and Redis are up', async () => {
    const { runtime, get } = await startWeb({});
    try {
      expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok', postgres: true, redis: true } });
      expect((await get('/readyz')).status).toBe(200);
    } finally {
      await runtime.stop();
    }
  });

  test.each(['redis', 'postgres'] as const)('answer 503 naming %s when it is down', async (down) => {
    const { runtime, get } = await startWeb({ [down === 'redis' ? 'REDIS_URL' : 'DATABASE_URL']: CLOSED_PORT_URL[down] });
    try {
      const ready = await get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'unavailable', down: [down] });
    } finally {
      await runtime.stop();
    }
  });
});

describe('start-up checks', () => {
  test('a Redis that keeps nothing on disk is warned about at start-up', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    // The Redis on this machine runs with --save "" --appendonly no.
    const { runtime } = await startWeb({}, createLogger({ level: 'warn', pretty: false, destination }));
    await runtime.stop();
    expect(lines.join('')).toContain('Redis keeps nothing on disk');
  });
});
