import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AuditRepository } from '../../src/db/audit';
import { createDb, type Db } from '../../src/db/client';
import { RequestRepository } from '../../src/db/requests';
import { databaseUrl, dropDatabase, recreateDatabase, withClient } from '../support/databases';

const ROOT = path.join(__dirname, '../..');
const database = `pa_audit_${randomBytes(4).toString('hex')}`;
const url = databaseUrl(database);
let db: Db;

beforeAll(async () => {
  await recreateDatabase(database);
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/prisma.cjs'), 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: 'pipe',
  });
  db = createDb(url);
  const requests = new RequestRepository(db);
  for (const action of ['requested', 'approved', 'granted', 'expired'] as const)
    await requests.audit(null, { actor: 'UTEST', action, detail: { n: action } });
});

afterAll(async () => {
  await db.$disconnect();
  await dropDatabase(database);
});

const sql = (text: string) => withClient(url, (client) => client.query(text));
const ids = async () => (await db.auditEvent.findMany({ orderBy: { id: 'asc' }, select: { id: true } })).map((r) => r.id);

/** Tampering needs a superuser who switches the append-only triggers off first. */
async function tamper(statement: string): Promise<void> {
  await sql(`BEGIN; ALTER TABLE audit_events DISABLE TRIGGER USER; ${statement}; ALTER TABLE audit_events ENABLE TRIGGER USER; COMMIT`);
}

describe('the audit log is tamper-evident', () => {
  test('the database refuses UPDATE, DELETE and TRUNCATE of audit rows', async () => {
    await expect(sql("UPDATE audit_events SET actor = 'someone else'")).rejects.toThrow(/append-only: UPDATE/);
    await expect(sql('DELETE FROM audit_events')).rejects.toThrow(/append-only: DELETE/);
    await expect(sql('TRUNCATE audit_events')).rejects.toThrow(/append-only: TRUNCATE/);
  });

  test('each row is chained to the previous one, and an untouched log verifies', async () => {
    const rows = await db.auditEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows[0]!.prevHash).toBe('');
    rows.slice(1).forEach((row, i) => expect(row.prevHash).toBe(rows[i]!.hash));
    expect(await new AuditRepository(db).verifyChain()).toEqual({ ok: true, rows: 4 });
    const cli = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/main.ts', 'audit', 'verify'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: url },
      encoding: 'utf8',
    });
    expect(cli).toMatchObject({ status: 0, stdout: 'audit log intact: 4 events, every hash and link verified\n' });
  });

  test('the chain verifies whatever time zone the database session runs in', async () => {
    const elsewhere = createDb(`${url}?options=${encodeURIComponent('-c TimeZone=America/New_York')}`);
    try {
      expect(await elsewhere.$queryRaw<{ tz: string }[]>`SHOW TIME ZONE`).toEqual([{ TimeZone: 'America/New_York' }]);
      expect(await new AuditRepository(elsewhere).verifyChain()).toEqual({ ok: true, rows: 4 });
    } finally {
      await elsewhere.$disconnect();
    }
  });

  test('an edited row is reported as the first broken link', async () => {
    const [, second] = await ids();
    await tamper(`UPDATE audit_events SET actor = 'UMALLORY' WHERE id = ${second}`);
    expect(await new AuditRepository(db).verifyChain()).toMatchObject({
      ok: false,
      brokenAt: second,
      reason: expect.stringMatching(/edited/),
    });
    const cli = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/main.ts', 'audit', 'verify'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: url },
      encoding: 'utf8',
    });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`audit log BROKEN at event ${second}: its content does not match its hash`);
    await tamper(`UPDATE audit_events SET actor = 'UTEST' WHERE id = ${second}`);
    expect(await new AuditRepository(db).verifyChain()).toMatchObject({ ok: true });
  });

  test('a removed row breaks the link of the row after it', async () => {
    const [, second, third] = await ids();
    await tamper(`DELETE FROM audit_events WHERE id = ${second}`);
    expect(await new AuditRepository(db).verifyChain()).toMatchObject({
      ok: false,
      brokenAt: third,
      reason: expect.stringMatching(/removed or inserted/),
    });
  });
});
