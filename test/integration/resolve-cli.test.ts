import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { createDb, type Db } from '../../src/db/client';
import { APP_LOGIN, AUDIT_KEY, copyDatabase, databaseUrl, dropDatabase, SERVER_URL, withClient } from '../support/databases';

const ROOT = path.join(__dirname, '../..');
const suffix = randomBytes(4).toString('hex');
const database = `${process.env.TEST_DATABASE ?? 'prod_access_test'}_resolve_${suffix}`;
const url = databaseUrl(database, APP_LOGIN);
/** A level role and a person's login role on the test server: the target the command reads back. */
const roles = { read: `pa_rs_${suffix}_read`, login: `pa_rs_${suffix}_bob` };
const dir = mkdtempSync(path.join(tmpdir(), 'prod-access-resolve-'));
const catalogFile = path.join(dir, 'catalog.yaml');
let db: Db;

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/main/cli.ts', 'request', 'resolve', ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      AUDIT_HMAC_KEY: AUDIT_KEY,
      PROD_ACCESS_CATALOG: catalogFile,
      RESOLVE_TARGET_ADMIN_URL: SERVER_URL,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `resolve-${suffix}`,
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const target = (sql: string) => withClient(SERVER_URL, (client) => client.query(sql));

/** bob's grant of read-only, past its expiry, whose revoke failed (the role is still granted, unless `removed`). */
async function failedRevoke(fields: { endedBy?: string } = {}): Promise<number> {
  const past = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  const row = await db.accessRequest.create({
    data: {
      requesterId: 'UDEV',
      resourceId: 'orders-db',
      level: 'read-only',
      targetIdentity: roles.login,
      durationSeconds: 600,
      reason: 'resolve test',
      approvalsRequired: 1,
      status: 'REVOKE_FAILED',
      pendingExpiresAt: past(60),
      decidedAt: past(40),
      grantedAt: past(40),
      expiresAt: past(30),
      failureReason: 'the access was still present when read back after the revoke',
      revokeFailedAt: past(30),
      ...fields,
    },
  });
  return row.id;
}

const auditOf = (requestId: number) => db.auditEvent.findMany({ where: { requestId }, orderBy: { id: 'asc' } });

beforeAll(async () => {
  await copyDatabase(process.env.TEST_TEMPLATE_DATABASE!, database);
  db = createDb(url);
  await target(`CREATE ROLE ${roles.read} NOLOGIN; CREATE ROLE ${roles.login} LOGIN; GRANT ${roles.read} TO ${roles.login}`);
  writeFileSync(
    catalogFile,
    stringify({
      auditChannel: 'C0AUDIT001',
      identity: { fromEmail: 'local-part', emailDomains: ['example.com'] },
      resources: [
        {
          id: 'orders-db',
          name: 'Orders database',
          ownersChannel: 'C0OWNERS01',
          provider: { kind: 'postgres', mode: 'grant-role', connectionEnv: 'RESOLVE_TARGET_ADMIN_URL' },
          levels: [{ id: 'read-only', target: { role: roles.read }, maxDuration: '1h', approvers: { users: ['U0MANAGER1'] } }],
        },
      ],
    }),
  );
}, 60_000);

afterAll(async () => {
  await db.$disconnect();
  await dropDatabase(database);
  await target(`DROP ROLE IF EXISTS ${roles.login}; DROP ROLE IF EXISTS ${roles.read}`);
  rmSync(dir, { recursive: true, force: true });
});

describe('prod-access request resolve', () => {
  test('refuses while the role membership is still there and changes nothing; once removed by hand, ends the request EXPIRED, audited', async () => {
    const id = await failedRevoke();
    const before = await db.accessRequest.findUniqueOrThrow({ where: { id } });

    const refused = cli([String(id), '--reason', 'removed by hand', '--by', 'ops-alice']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      `Request #${id}: ${roles.login} still holds read-only on orders-db (read back from the target now); remove it there first. Nothing was changed.`,
    ]);
    expect(await db.accessRequest.findUniqueOrThrow({ where: { id } })).toEqual(before);
    expect(await auditOf(id)).toEqual([]);

    await target(`REVOKE ${roles.read} FROM ${roles.login}`);
    const resolved = cli([`#${id}`, '--reason', 'role revoked by hand in psql', '--by', 'ops-alice']);
    expect(resolved).toMatchObject({ code: 0, stderr: '' });
    expect(resolved.stdout).toBe(
      `request #${id} resolved by ops-alice: the access is gone from the target, now EXPIRED; the approval message and the audit channel are being updated\n`,
    );
    expect(await db.accessRequest.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'EXPIRED',
      endedAt: expect.any(Date),
      failureReason: null,
    });
    const events = await auditOf(id);
    expect(events.map((e) => [e.actor, e.action, e.detail])).toEqual([
      ['ops-alice', 'revoke_resolved', { reason: 'role revoked by hand in psql', verified: 'removed', manual: true }],
    ]);

    // Resolved once: a second time is refused with the state named.
    const again = cli([String(id), '--reason', 'twice']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`Request #${id} is expired: only a request whose revoke failed can be resolved. Nothing was changed.`);
  }, 120_000);

  test('after an early revoke it ends REVOKED, by the OS user without --by; with Redis down it says the reconciler re-syncs', async () => {
    await target(`REVOKE ${roles.read} FROM ${roles.login}`);
    const id = await failedRevoke({ endedBy: 'UDEV' });
    const result = cli([String(id), '--reason', 'gone'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/now REVOKED; not queued \(Redis unreachable\): the reconciler re-syncs/);
    expect(await db.accessRequest.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'REVOKED', endedBy: 'UDEV' });
    expect((await auditOf(id)).map((e) => e.actor)).toEqual([userInfo().username]);
  }, 120_000);

  test.each([
    [[], /^the request id is missing; see `prod-access request resolve --help`$/],
    [['abc', '--reason', 'x'], /^"abc" is not a request id; see/],
    [['1'], /^--reason is needed/],
    [['1', '--reason', '  '], /^--reason is needed/],
    [['1', '2', '--reason', 'x'], /^unexpected argument "2"; see/],
    [['1', '--reason', 'x', '--bogus'], /^Unknown option '--bogus'; see `prod-access request resolve --help`$/],
  ])('prod-access request resolve %j is a usage mistake: one line, exit 2', (args, message) => {
    const result = cli(args);
    expect({ code: result.code, stderr: result.stderr.trim().split('\n') }).toEqual({ code: 2, stderr: [expect.stringMatching(message)] });
  });

  test('an unknown request is one line, exit 1; -h prints the usage', () => {
    const unknown = cli(['999999', '--reason', 'x']);
    expect({ code: unknown.code, stderr: unknown.stderr.trim() }).toEqual({ code: 1, stderr: 'Request #999999 does not exist.' });
    const help = cli(['-h']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage:\n {2}prod-access request resolve <id> --reason/) });
  });
});
