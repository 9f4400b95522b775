import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PrismaAuditLog } from '../../src/db/audit-log';
import { AuditChain, legacyHash } from '../../src/db/audit-chain';
import { createDb, type Db } from '../../src/db/client';
import { PrismaRequestStore } from '../../src/db/request-store';
import { type Anchor, formatAnchor, parseAnchor } from '../../src/domain/audit-anchor';
import type { AuditEntry } from '../../src/domain/request';
import { APP_LOGIN, copyDatabase, databaseUrl, dropDatabase, SERVER_URL, withClient } from '../support/databases';
import { clearRedis } from '../support/harness';
import { silentLogger } from '../support/logs';

const ROOT = path.join(__dirname, '../..');
const KEY = 'audit-log-test-key-0123456789abcdef';
const chain = new AuditChain(KEY);
const suffix = randomBytes(4).toString('hex');
/** The tables' owner, as in production: not a superuser, and the role migrations run as. */
const OWNER = `pa_owner_${suffix}`;
const template = `pa_audit_${suffix}`;
const REDIS_PREFIX = `pa-test-audit-${suffix}`;
const databases: string[] = [];
/** Tests that run the command line more than once: each run starts tsx, which takes a while on a busy machine. */
const CLI_TIMEOUT = 180_000;
const clients: Db[] = [];

function migrate(database: string): void {
  execFileSync(process.execPath, [path.join(ROOT, 'tools/prisma-offline/prisma.cjs'), 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: databaseUrl(database, APP_LOGIN), MIGRATION_DATABASE_URL: databaseUrl(database, OWNER) },
    stdio: 'pipe',
  });
}

beforeAll(async () => {
  await withClient(SERVER_URL, async (db) => {
    await db.query(`CREATE ROLE ${OWNER} LOGIN`);
    await db.query(`CREATE DATABASE ${template} OWNER ${OWNER}`);
  });
  migrate(template);
});

afterAll(async () => {
  await Promise.all(clients.map((db) => db.$disconnect()));
  for (const name of [...databases, template]) await dropDatabase(name);
  await withClient(SERVER_URL, (db) => db.query(`DROP ROLE IF EXISTS ${OWNER}`));
  await clearRedis(REDIS_PREFIX);
});

/** A migrated database of the test's own; the app writes to it as its own login, never as the owner. */
async function freshLog(events = 4) {
  const name = `${template}_${databases.length}`;
  databases.push(name);
  await copyDatabase(template, name);
  const appUrl = databaseUrl(name, APP_LOGIN);
  const ownerUrl = databaseUrl(name, OWNER);
  const db = createDb(appUrl);
  clients.push(db);
  const requests = new PrismaRequestStore(db, chain, silentLogger);
  const audit = new PrismaAuditLog(db);
  const append = (entry: Omit<AuditEntry, 'action'> & { action: string }) => requests.audit(null, entry as AuditEntry);
  for (let n = 1; n <= events; n++) await append({ actor: 'UTEST', action: 'requested', detail: { n, nested: { b: 1, a: [true, null] } } });
  const owner = (sql: string) => withClient(ownerUrl, (client) => client.query(sql));
  /** What the owner can do: switch the append-only triggers off, change rows, switch them on again. */
  const tamper = (statements: string) =>
    owner(`BEGIN; ALTER TABLE audit_events DISABLE TRIGGER USER; ${statements}; ALTER TABLE audit_events ENABLE TRIGGER USER; COMMIT`);
  const head = async (): Promise<Anchor> => {
    const rows = await db.auditEvent.findMany({ orderBy: { id: 'asc' } });
    return { id: rows.at(-1)!.id, count: rows.length, hash: rows.at(-1)!.hash };
  };
  const cli = (args: string[], env: Record<string, string> = {}) => {
    const result = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/main/cli.ts', 'audit', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: appUrl, AUDIT_HMAC_KEY: KEY, REDIS_PREFIX, ...env },
      encoding: 'utf8',
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  return { db, appUrl, requests, audit, append, owner, tamper, head, cli };
}

describe('the app may only read and add audit rows', () => {
  test('as the app, UPDATE, DELETE, TRUNCATE and ALTER TABLE on audit rows are refused; INSERT and SELECT work', async () => {
    const log = await freshLog(1);
    const app = (sql: string) => withClient(log.appUrl, (client) => client.query(sql));
    await expect(app("UPDATE audit_events SET actor = 'someone else'")).rejects.toThrow(/permission denied for table audit_events/);
    await expect(app('DELETE FROM audit_events')).rejects.toThrow(/permission denied for table audit_events/);
    await expect(app('TRUNCATE audit_events')).rejects.toThrow(/permission denied for table audit_events/);
    await expect(app('ALTER TABLE audit_events DISABLE TRIGGER USER')).rejects.toThrow(/must be owner of table audit_events/);
    await expect(app('DELETE FROM audit_deliveries')).rejects.toThrow(/permission denied for table audit_deliveries/);
    await expect(app('DELETE FROM access_requests')).rejects.toThrow(/permission denied for table access_requests/);
    await expect(app('SELECT * FROM _prisma_migrations')).rejects.toThrow(/permission denied for table _prisma_migrations/);
    expect(await log.audit.canRewrite()).toBe(false);
    await log.append({ actor: 'UTEST', action: 'granted' });
    expect(await log.db.auditEvent.count()).toBe(2);
  });

  test('even the owner meets the append-only triggers unless it switches them off', async () => {
    const log = await freshLog(1);
    await expect(log.owner("UPDATE audit_events SET actor = 'someone else'")).rejects.toThrow(/append-only: UPDATE/);
    await expect(log.owner('DELETE FROM audit_events')).rejects.toThrow(/append-only: DELETE/);
    await expect(log.owner('TRUNCATE audit_events')).rejects.toThrow(/append-only: TRUNCATE/);
  });

  test('the database refuses a row that does not extend the chain', async () => {
    const log = await freshLog(2);
    const { id, hash } = await log.head();
    const insert = (rowId: bigint, prev: string) =>
      withClient(log.appUrl, (client) =>
        client.query(
          `INSERT INTO audit_events (id, actor, action, prev_hash, hash, hash_scheme) VALUES (${rowId}, 'UX', 'granted', '${prev}', 'x', 2)`,
        ),
      );
    await expect(insert(id + 100n, 'not-the-head')).rejects.toThrow(/does not extend the audit chain/);
    await expect(insert(id - 1n, hash)).rejects.toThrow(/does not extend the audit chain|duplicate key/);
  });
});

describe('the audit chain is keyed and anchored', () => {
  test(
    'an untouched log verifies, with and without its anchor, from the command line too',
    async () => {
      const log = await freshLog();
      const rows = await log.db.auditEvent.findMany({ orderBy: { id: 'asc' } });
      expect(rows[0]!.prevHash).toBe('');
      rows.slice(1).forEach((row, i) => expect(row.prevHash).toBe(rows[i]!.hash));
      expect(rows.every((row) => row.hashScheme === 2)).toBe(true);
      const anchor = await log.head();
      expect(await log.audit.verifyChain(chain, anchor)).toEqual({ ok: true, rows: 4, legacy: 0 });
      expect(log.cli(['verify'])).toMatchObject({ code: 0, stdout: 'audit log intact: 4 events, every hash and link verified\n' });
      expect(log.cli(['verify', '--anchor', formatAnchor(anchor)])).toMatchObject({
        code: 0,
        stdout: `audit log intact: 4 events, every hash and link verified, anchored head ${anchor.id} present\n`,
      });
    },
    CLI_TIMEOUT,
  );

  test('the chain verifies whatever time zone the database session runs in', async () => {
    const log = await freshLog();
    const elsewhere = createDb(`${log.appUrl}?options=${encodeURIComponent('-c TimeZone=America/New_York')}`);
    clients.push(elsewhere);
    expect(await elsewhere.$queryRaw<{ tz: string }[]>`SHOW TIME ZONE`).toEqual([{ TimeZone: 'America/New_York' }]);
    await new PrismaRequestStore(elsewhere, chain, silentLogger).audit(null, { actor: 'UTEST', action: 'granted' });
    expect(await new PrismaAuditLog(elsewhere).verifyChain(chain)).toMatchObject({ ok: true, rows: 5 });
    expect(await log.audit.verifyChain(chain)).toMatchObject({ ok: true, rows: 5 });
  });

  test('writers racing from two connection pools still make one chain', async () => {
    const log = await freshLog(0);
    const other = createDb(log.appUrl);
    clients.push(other);
    const pools = [log.requests, new PrismaRequestStore(other, chain, silentLogger)];
    await Promise.all(Array.from({ length: 40 }, (_, n) => pools[n % 2]!.audit(null, { actor: `U${n}`, action: 'granted' })));
    expect(await log.audit.verifyChain(chain)).toEqual({ ok: true, rows: 40, legacy: 0 });
  });

  test('an edited row is reported as the first broken link, with the key that wrote it only', async () => {
    const log = await freshLog();
    const [, second] = await log.db.auditEvent.findMany({ orderBy: { id: 'asc' } });
    await log.tamper(`UPDATE audit_events SET actor = 'UMALLORY' WHERE id = ${second!.id}`);
    expect(await log.audit.verifyChain(chain)).toMatchObject({ ok: false, brokenAt: second!.id, reason: expect.stringMatching(/edited/) });
    const cli = log.cli(['verify']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(
      `audit log BROKEN at event ${second!.id}: its content does not match its keyed hash (the row was edited, or re-chained without the key)\n`,
    );
    await log.tamper(`UPDATE audit_events SET actor = 'UTEST' WHERE id = ${second!.id}`);
    expect(await log.audit.verifyChain(chain)).toMatchObject({ ok: true });
    expect(await log.audit.verifyChain(new AuditChain('another-key-of-at-least-32-characters'))).toMatchObject({ ok: false, brokenAt: 1n });
  });

  test('a "|" moved from one field to the next changes the hash', async () => {
    const log = await freshLog(1);
    const id = await log.append({ actor: 'U1|requested', action: 'x' });
    await log.tamper(`UPDATE audit_events SET actor = 'U1', action = 'requested|x' WHERE id = ${id}`);
    expect(await log.audit.verifyChain(chain)).toMatchObject({ ok: false, brokenAt: id, reason: expect.stringMatching(/edited/) });
    expect(log.cli(['verify']).stderr).toMatch(new RegExp(`^audit log BROKEN at event ${id}: `));
  });

  test('as the owner, with the triggers off, deleting the tail is told by the last anchor', async () => {
    const log = await freshLog();
    const anchor = await log.head();
    await log.tamper(`DELETE FROM audit_events WHERE id >= ${anchor.id - 1n}`);
    const cli = log.cli(['verify', '--anchor', formatAnchor(anchor)]);
    expect(cli).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `audit log BROKEN at event ${anchor.id}: the anchored event is missing (the tail was removed or the log truncated)\n`,
    });
  });

  test('a truncated log is told by the last anchor', async () => {
    const log = await freshLog();
    const anchor = await log.head();
    await log.tamper('TRUNCATE audit_events');
    expect(await log.audit.verifyChain(chain, anchor)).toMatchObject({ ok: false, rows: 0, brokenAt: anchor.id });
    expect(log.cli(['verify', '--anchor', formatAnchor(anchor)]).code).toBe(1);
  });

  test('a tail removed and written again (re-chained without the key) is told', async () => {
    const log = await freshLog();
    const anchor = await log.head();
    const rows = await log.db.auditEvent.findMany({ orderBy: { id: 'asc' } });
    const { rows: stored } = await log.owner('SELECT detail::text AS text FROM audit_events ORDER BY id');
    // The owner rewrites the second row and every row after it, chaining them with the only hash it can
    // compute: the unkeyed one, first still claiming the keyed scheme, then claiming the legacy scheme.
    const rechain = async (scheme: number, from: number) => {
      let prev = rows[from - 1]?.hash ?? '';
      const updates = rows.slice(from).map((row, i) => {
        const edited = { ...row, actor: row.id === rows[1]!.id ? 'UMALLORY' : row.actor, prevHash: prev };
        prev = legacyHash(edited, (stored[from + i] as { text: string }).text);
        return `UPDATE audit_events SET actor = '${edited.actor}', prev_hash = '${edited.prevHash}', hash = '${prev}', hash_scheme = ${scheme} WHERE id = ${row.id}`;
      });
      await log.tamper(updates.join('; '));
    };
    await rechain(2, 1);
    expect(await log.audit.verifyChain(chain)).toMatchObject({
      ok: false,
      brokenAt: rows[1]!.id,
      reason: expect.stringMatching(/keyed hash/),
    });
    await rechain(1, 1);
    expect(await log.audit.verifyChain(chain)).toMatchObject({
      ok: false,
      brokenAt: rows[1]!.id,
      reason: expect.stringMatching(/legacy hash after the keyed chain began/),
    });
    // Every row passed off as legacy is a consistent chain without a key: only the anchor, kept outside the
    // database, tells.
    await rechain(1, 0);
    expect(await log.audit.verifyChain(chain)).toEqual({ ok: true, rows: 4, legacy: 4 });
    expect(await log.audit.verifyChain(chain, anchor)).toMatchObject({
      ok: false,
      brokenAt: anchor.id,
      reason: expect.stringMatching(/not the anchored head/),
    });
  });

  test(
    'a bad --anchor is one line, and in production the key is required',
    async () => {
      const log = await freshLog(1);
      const badAnchor = log.cli(['verify', '--anchor', '12:x']);
      expect(badAnchor).toMatchObject({ code: 2, stdout: '' });
      // One line: the problem, and where the usage is.
      expect(badAnchor.stderr).toMatch(/^--anchor takes <id>:<count>:<hash>, as posted in the audit channel\n$/);
      expect(log.cli(['verify'], { AUDIT_HMAC_KEY: '' })).toMatchObject({
        code: 1,
        stderr: 'AUDIT_HMAC_KEY: missing; expected a secret of at least 32 characters, e.g. openssl rand -hex 32\n',
      });
    },
    CLI_TIMEOUT,
  );

  test(
    'audit anchor records the head as an event, queued for the audit channel, and verify accepts it',
    async () => {
      const log = await freshLog();
      const before = await log.head();
      const first = log.cli(['anchor']);
      expect(first.code).toBe(0);
      const [, text, eventId] = /^audit anchor (\S+) recorded as event (\d+), queued for the audit channel\n$/.exec(first.stdout) ?? [];
      expect(text).toBe(formatAnchor(before));
      const event = await log.db.auditEvent.findUniqueOrThrow({ where: { id: BigInt(eventId!) } });
      expect(event).toMatchObject({ action: 'audit_anchored', actor: 'system', detail: { anchor: text } });
      expect(log.cli(['anchor'])).toMatchObject({
        code: 0,
        stdout: 'nothing to anchor: the audit log is empty, or its last event is already an anchor\n',
      });
      expect(await log.audit.verifyChain(chain, parseAnchor(text!))).toMatchObject({ ok: true });
    },
    CLI_TIMEOUT,
  );
});

describe('chains written before the keyed scheme stay verifiable', () => {
  test('legacy rows verify by their unkeyed hash, the keyed chain goes on from them, and an edit of either is told', async () => {
    const name = `${template}_legacy`;
    databases.push(name);
    await withClient(SERVER_URL, (db) => db.query(`CREATE DATABASE ${name} OWNER ${OWNER}`));
    const ownerUrl = databaseUrl(name, OWNER);
    const migrations = readdirSync(path.join(ROOT, 'prisma/migrations'))
      .filter((m) => /^\d+_/.test(m))
      .sort();
    const keyed = migrations.indexOf('20261201103000_keyed_audit_chain');
    const apply = (names: string[]) =>
      withClient(ownerUrl, async (db) => {
        for (const migration of names)
          await db.query(readFileSync(path.join(ROOT, 'prisma/migrations', migration, 'migration.sql'), 'utf8'));
      });
    await apply(migrations.slice(0, keyed));
    // Rows the old trigger chained, with a "|" and a nested detail, as a deployment of yesterday has them.
    await withClient(ownerUrl, (db) =>
      db.query(`INSERT INTO audit_events (actor, action, detail) VALUES ('U1', 'requested', '{"b": 1, "a": {"y": [1, "x|y"]}}'),
                  ('U2|x', 'approved', '{}'), ('system', 'expired', '{"reason": "it ended"}')`),
    );
    await apply(migrations.slice(keyed));
    const db = createDb(databaseUrl(name, APP_LOGIN));
    clients.push(db);
    const audit = new PrismaAuditLog(db);
    await new PrismaRequestStore(db, chain, silentLogger).audit(null, {
      actor: 'UTEST',
      action: 'granted',
      detail: { after: 'the keyed chain began' },
    });
    expect(await audit.verifyChain(chain)).toEqual({ ok: true, rows: 4, legacy: 3 });
    const tamper = (sql: string) =>
      withClient(ownerUrl, (client) =>
        client.query(`BEGIN; ALTER TABLE audit_events DISABLE TRIGGER USER; ${sql}; ALTER TABLE audit_events ENABLE TRIGGER USER; COMMIT`),
      );
    await tamper(`UPDATE audit_events SET actor = 'UMALLORY' WHERE id = 2`);
    expect(await audit.verifyChain(chain)).toMatchObject({ ok: false, brokenAt: 2n, reason: expect.stringMatching(/edited/) });
  });
});
