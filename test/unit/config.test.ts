import { readFileSync } from 'node:fs';
import path from 'node:path';
import { auditKeyOf, configSchema, DEVELOPMENT_AUDIT_KEY, loadConfig } from '../../src/main/config';

const required = { SLACK_BOT_TOKEN: 'xoxb-1-2-3', SLACK_SIGNING_SECRET: 'abcdef0123456789' };

describe('configuration from the environment', () => {
  test('defaults point at the local PostgreSQL and Redis', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/prod_access',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SLACK_API_URL: 'https://slack.com/api/',
      PORT: 3000,
    });
  });

  test('a missing signing secret is one line naming it and what it expects', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/^SLACK_SIGNING_SECRET: missing; expected the app's signing secret/),
      }),
    );
  });

  test('each malformed setting gets its own line', () => {
    try {
      loadConfig({ ...required, PORT: 'eighty', REDIS_URL: 'localhost:6379', SLACK_BOT_TOKEN: 'xoxp-user' });
      throw new Error('should have failed');
    } catch (e) {
      const lines = (e as Error).message.split('\n');
      expect(lines).toHaveLength(3);
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^SLACK_BOT_TOKEN: invalid; expected a bot token starting with xoxb-/),
          expect.stringMatching(/^REDIS_URL: invalid; expected a redis: or rediss: URL/),
          expect.stringMatching(/^PORT: invalid; expected a TCP port number/),
        ]),
      );
    }
  });

  test('REDIS_PREFIX may hold one {hash tag}, as BullMQ needs on Redis Cluster; nothing else but its own characters', () => {
    expect(loadConfig({ ...required, REDIS_PREFIX: '{prod-access}' }).REDIS_PREFIX).toBe('{prod-access}');
    expect(loadConfig({ ...required, REDIS_PREFIX: 'staging:{prod-access}' }).REDIS_PREFIX).toBe('staging:{prod-access}');
    for (const prefix of ['{prod-access', 'prod-access}', '{}', '{a}{b}', '{a{b}}', 'prod access']) {
      expect(() => loadConfig({ ...required, REDIS_PREFIX: prefix })).toThrow(
        /^REDIS_PREFIX: invalid; expected letters, digits, ":", "_" or "-", and at most one \{hash tag\}$/,
      );
    }
  });

  test('REDIS_SENTINELS: host:port pairs (an IPv6 host in brackets), with the master named mymaster unless REDIS_SENTINEL_NAME says', () => {
    const plain = loadConfig(required);
    expect([plain.REDIS_SENTINELS, plain.REDIS_SENTINEL_NAME]).toEqual([undefined, 'mymaster']);
    expect(
      loadConfig({ ...required, REDIS_SENTINELS: 'sentinel-1:26379, 10.0.0.2:26380,[::1]:26381', REDIS_SENTINEL_NAME: 'queues' }),
    ).toMatchObject({
      REDIS_SENTINELS: [
        { host: 'sentinel-1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      REDIS_SENTINEL_NAME: 'queues',
    });
    for (const sentinels of ['sentinel-1', 'sentinel-1:26379,', 'sentinel-1:99999', 'redis://sentinel-1:26379']) {
      expect(() => loadConfig({ ...required, REDIS_SENTINELS: sentinels })).toThrow(
        /^REDIS_SENTINELS: invalid; expected host:port pairs separated by commas, e\.g\. sentinel-1:26379,sentinel-2:26379$/,
      );
    }
  });

  test('intervals and counts are whole numbers from 1, each named when it is not', () => {
    expect(loadConfig(required)).toMatchObject({
      RECONCILE_INTERVAL_SECONDS: 30,
      DRIFT_CHECK_INTERVAL_SECONDS: 3600,
      AUDIT_ANCHOR_INTERVAL_SECONDS: 3600,
      ACCESS_DIGEST_INTERVAL_SECONDS: 604_800,
      REQUEST_RATE_WINDOW_SECONDS: 600,
      JOB_LOCK_SECONDS: 30,
      REQUEST_RATE_LIMIT: 10,
      WORKER_CONCURRENCY: 4,
    });
    expect(loadConfig({ ...required, ACCESS_DIGEST_INTERVAL_SECONDS: '0' }).ACCESS_DIGEST_INTERVAL_SECONDS).toBe(0); // no digest
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...required, ...env });
      } catch (e) {
        return (e as Error).message.split('\n');
      }
      throw new Error('should have failed');
    };
    expect(problems({ JOB_LOCK_SECONDS: 'soon', REQUEST_RATE_LIMIT: 'many' })).toEqual([
      'REQUEST_RATE_LIMIT: invalid; expected a whole number',
      'JOB_LOCK_SECONDS: invalid; expected a number of seconds',
    ]);
    for (const value of ['0', '1.5', '-30']) {
      expect(problems({ RECONCILE_INTERVAL_SECONDS: value })).toEqual([expect.stringMatching(/^RECONCILE_INTERVAL_SECONDS: invalid;/)]);
    }
    expect(problems({ RECONCILE_INTERVAL_SECONDS: '0' })).toEqual(['RECONCILE_INTERVAL_SECONDS: invalid; expected at least 1']);
    expect(problems({ RECONCILE_INTERVAL_SECONDS: '1.5' })).toEqual(['RECONCILE_INTERVAL_SECONDS: invalid; expected a whole number']);
    expect(problems({ WORKER_CONCURRENCY: '101' })).toEqual(['WORKER_CONCURRENCY: invalid; expected at most 100']);
    expect(problems({ NODE_ENV: 'staging', LOG_LEVEL: 'loud' })).toEqual([
      'NODE_ENV: invalid; expected one of development, production or test',
      'LOG_LEVEL: invalid; expected one of fatal, error, warn, info, debug, trace or silent',
    ]);
  });

  test('empty variables fall back to defaults', () => {
    expect(loadConfig({ ...required, PORT: '', SLACK_APP_TOKEN: '' }).PORT).toBe(3000);
  });

  test('OPS_PORT is unset unless given (the roles then use PORT), and a port when it is', () => {
    expect(loadConfig({ ...required, OPS_PORT: '' }).OPS_PORT).toBeUndefined();
    expect(loadConfig({ ...required, OPS_PORT: '9090' }).OPS_PORT).toBe(9090);
    expect(() => loadConfig({ ...required, OPS_PORT: '70000' })).toThrow(/^OPS_PORT: invalid; expected a TCP port number/);
  });

  test('production names its catalog, and the file must be there: one line otherwise', () => {
    expect(loadConfig(required).PROD_ACCESS_CATALOG).toBe('catalog.example.yaml');
    const production = { ...required, NODE_ENV: 'production', AUDIT_HMAC_KEY: 'k'.repeat(32) };
    expect(() => loadConfig(production)).toThrow(/^PROD_ACCESS_CATALOG: missing; expected the path of your catalog file[^\n]*$/);
    expect(() => loadConfig({ ...production, PROD_ACCESS_CATALOG: '/nonexistent/catalog.yaml' })).toThrow(
      /^PROD_ACCESS_CATALOG: invalid; expected the path of a catalog file; no file at \/nonexistent\/catalog.yaml[^\n]*$/,
    );
    expect(loadConfig({ ...production, PROD_ACCESS_CATALOG: 'catalog.example.yaml' }).PROD_ACCESS_CATALOG).toBe('catalog.example.yaml');
  });

  test('the audit key: required in production, never the public development key there, which serves elsewhere', () => {
    const production = { ...required, NODE_ENV: 'production', PROD_ACCESS_CATALOG: 'catalog.example.yaml' };
    expect(() => loadConfig(production)).toThrow(/^AUDIT_HMAC_KEY: missing; expected a secret of at least 32 characters/);
    expect(() => loadConfig({ ...production, AUDIT_HMAC_KEY: DEVELOPMENT_AUDIT_KEY })).toThrow(
      /^AUDIT_HMAC_KEY: invalid; expected a secret of your own, not the public development key$/,
    );
    expect(() => loadConfig({ ...production, AUDIT_HMAC_KEY: 'short' })).toThrow(
      /^AUDIT_HMAC_KEY: invalid; expected at least 32 characters/,
    );
    const key = 'k'.repeat(32);
    expect(auditKeyOf(loadConfig({ ...production, AUDIT_HMAC_KEY: key }))).toBe(key);
    expect(auditKeyOf(loadConfig(required))).toBe(DEVELOPMENT_AUDIT_KEY);
  });
});

describe('every setting is documented', () => {
  const root = path.join(__dirname, '../..');
  // The schema's keys, and any other variable config.ts names (a schema of its own, or a direct read of env).
  const source = readFileSync(path.join(root, 'src/main/config.ts'), 'utf8');
  const named = [...source.matchAll(/^\s+([A-Z][A-Z0-9_]{2,}):|\benv\.([A-Z][A-Z0-9_]{2,})/gm)].map((m) => (m[1] ?? m[2])!);
  const settings = [...new Set([...Object.keys(configSchema.shape), ...named])].sort();
  // NODE_ENV is described in .env.example but left unset there on purpose (an empty line would override the image's).
  const inEnvExample = [...readFileSync(path.join(root, '.env.example'), 'utf8').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const inReadmeTable = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);

  test('in .env.example', () => {
    expect(settings.filter((name) => name !== 'NODE_ENV' && !inEnvExample.includes(name))).toEqual([]);
  });

  test("in the README's settings table", () => {
    expect(settings.filter((name) => !inReadmeTable.includes(name))).toEqual([]);
  });
});
