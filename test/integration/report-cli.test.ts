import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { postAccessDigest } from '../../src/app/access-report';
import { PrismaAccessReviews } from '../../src/db/access-report';
import { PrismaAuditLog } from '../../src/db/audit-log';
import { AuditChain } from '../../src/db/audit-chain';
import { createDb, type Db } from '../../src/db/client';
import { PrismaRequestStore } from '../../src/db/request-store';
import { AUDIT_KEY, copyDatabase, databaseUrl, dropDatabase } from '../support/databases';
import { EXAMPLE_CATALOG_ENV } from '../support/example-catalog';
import { loadCatalog } from '../../src/main/catalog/load';
import { auditLine } from '../../src/slack/render/notices';
import { silentLogger } from '../support/logs';

const ROOT = path.join(__dirname, '../..');
const database = `pa_report_cli_${randomBytes(4).toString('hex')}`;
const url = databaseUrl(database);
let db: Db;

/** The example catalog's working hours: mon-fri 09:00–18:00 Europe/Paris (UTC+1 in November). */
function cli(args: string[]) {
  const result = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/main/cli.ts', 'report', ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      PROD_ACCESS_CATALOG: 'catalog.example.yaml',
      ...EXAMPLE_CATALOG_ENV,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Seed {
  requester: string;
  resource?: string;
  level?: string;
  created: string;
  /** Granted at, and held for so many seconds (ended then). */
  granted?: string;
  heldSeconds?: number;
  breakGlass?: boolean;
  approvers?: string[];
  revokeFailed?: boolean;
}

async function seed(request: Seed): Promise<number> {
  const created = new Date(request.created);
  const granted = request.granted ? new Date(request.granted) : null;
  const ended = granted && new Date(granted.getTime() + request.heldSeconds! * 1000);
  const row = await db.accessRequest.create({
    data: {
      requesterId: request.requester,
      resourceId: request.resource ?? 'orders-db',
      level: request.level ?? 'read-only',
      targetIdentity: request.requester.toLowerCase(),
      durationSeconds: 12 * 3600,
      reason: 'report test',
      approvalsRequired: 1,
      status: granted ? 'EXPIRED' : 'DENIED',
      createdAt: created,
      pendingExpiresAt: new Date(created.getTime() + 3600_000),
      decidedAt: created,
      grantedAt: granted,
      expiresAt: granted && new Date(granted.getTime() + 12 * 3600_000),
      endedAt: ended,
      endedBy: ended && 'system',
      breakGlass: request.breakGlass ?? false,
    },
  });
  for (const userId of request.approvers ?? []) {
    await db.decision.create({ data: { requestId: row.id, userId, kind: 'APPROVE', createdAt: created } });
  }
  if (request.revokeFailed) {
    const store = new PrismaRequestStore(db, new AuditChain(AUDIT_KEY), silentLogger);
    await store.audit(row.id, { actor: 'system', action: 'revoke_failed', detail: { reason: 'target unreachable' } });
  }
  return row.id;
}

const ids: Record<string, number> = {};

beforeAll(async () => {
  await copyDatabase(process.env.TEST_TEMPLATE_DATABASE!, database);
  db = createDb(url);
  const hour = 3600;
  // UDEV: four weekday grants in office hours (one at 23:00 on a Saturday in Paris), all approved by UBOSS,
  // a break-glass grant, and a denied request.
  ids.tue = await seed({
    requester: 'UDEV',
    created: '2026-11-03T08:55:00Z',
    granted: '2026-11-03T09:00:00Z',
    heldSeconds: hour,
    approvers: ['UBOSS'],
  });
  ids.wed = await seed({
    requester: 'UDEV',
    created: '2026-11-04T08:55:00Z',
    granted: '2026-11-04T09:00:00Z',
    heldSeconds: hour,
    approvers: ['UBOSS'],
  });
  ids.thu = await seed({
    requester: 'UDEV',
    created: '2026-11-05T08:55:00Z',
    granted: '2026-11-05T09:00:00Z',
    heldSeconds: hour,
    approvers: ['UBOSS'],
  });
  ids.saturdayNight = await seed({
    requester: 'UDEV',
    created: '2026-11-07T21:55:00Z',
    granted: '2026-11-07T22:00:00Z',
    heldSeconds: hour / 2,
    approvers: ['UBOSS'],
  });
  ids.glass = await seed({
    requester: 'UDEV',
    created: '2026-11-10T09:30:00Z',
    granted: '2026-11-10T09:30:00Z',
    heldSeconds: hour,
    breakGlass: true,
  });
  ids.denied = await seed({ requester: 'UDEV', created: '2026-11-11T10:00:00Z' });
  // UOPS: one grant of ten hours, whose revoke failed before it was ended.
  ids.long = await seed({
    requester: 'UOPS',
    created: '2026-11-09T08:00:00Z',
    granted: '2026-11-09T09:00:00Z',
    heldSeconds: 10 * hour,
    approvers: ['UCTO'],
    revokeFailed: true,
  });
  // Outside the window: not counted.
  ids.october = await seed({ requester: 'UOPS', created: '2026-10-15T09:00:00Z', granted: '2026-10-15T09:00:00Z', heldSeconds: 99 * hour });
  ids.billing = await seed({
    requester: 'UFIN',
    resource: 'billing-db',
    created: '2026-11-12T10:00:00Z',
    granted: '2026-11-12T10:00:00Z',
    heldSeconds: 2 * hour,
    approvers: ['UCFO'],
  });
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
  await dropDatabase(database);
});

const WINDOW = ['--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z'];

describe('prod-access report', () => {
  test('markdown: each level with its holders, totals and approvers, and the unusual patterns named', () => {
    const { code, stdout, stderr } = cli(WINDOW);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('## orders-db / read-only');
    expect(stdout).toContain('6 grants (7 requests), held 14h30m in all; 1 break-glass, 1 failed revokes, grants never used: unknown.');
    expect(stdout).toContain('| UDEV | 6 | 5 | 4h30m | 1 | 0 | unknown | unknown | UBOSS (4) |');
    expect(stdout).toContain('| UOPS | 1 | 1 | 10h | 0 | 1 | unknown | unknown | UCTO (1) |');
    expect(stdout).toContain('Approvers: UBOSS (4), UCTO (1)');
    expect(stdout).toContain('## billing-db / read-only');
    expect(stdout).toContain(
      `- #${ids.saturdayNight} orders-db/read-only granted to UDEV outside working hours, at 2026-11-07 23:00 Europe/Paris`,
    );
    expect(stdout).toContain(`- #${ids.long} orders-db/read-only held by UOPS for 10h; the level's grants usually last 1h (median)`);
    expect(stdout).toContain('- UBOSS gave 4 of the 4 approvals UDEV received');
    expect(stdout).toContain('- UDEV asked for orders-db 6 times, against a median of 1 for its other requesters');
    expect(stdout).toContain('prod-access does not record what happens during a grant yet');
    // Only the Saturday-night grant is outside the hours; the October one is outside the window.
    expect(stdout.match(/outside working hours, at/g)).toHaveLength(1);
    expect(stdout).not.toContain('99h');
  });

  test('csv and json carry the same numbers and patterns; --resource keeps to one resource', () => {
    const csv = cli([...WINDOW, '--format', 'csv']);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines).toContain('holder,orders-db,read-only,UDEV,6,5,16200,1,0,unknown,unknown,UBOSS (4),,');
    expect(lines).toContain('holder,orders-db,read-only,UOPS,1,1,36000,0,1,unknown,unknown,UCTO (1),,');
    expect(lines).toContainEqual(expect.stringMatching(/^pattern,,,UDEV,,,,,,,,UBOSS,lopsided_approver,UBOSS gave 4 of the 4 approvals/));
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^pattern,orders-db,read-only,UDEV,.*,after_hours,"#${ids.saturdayNight} `)),
    );

    const json = cli([...WINDOW, '--format', 'json', '--resource', 'orders-db']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ resource: 'orders-db', usageRecorded: false });
    expect(report.levels).toEqual([
      expect.objectContaining({
        resourceId: 'orders-db',
        level: 'read-only',
        grants: 6,
        heldSeconds: 52200,
        failedRevokes: 1,
        unusedGrants: null,
      }),
    ]);
    expect(report.patterns).toContainEqual(
      expect.objectContaining({ kind: 'after_hours', requestId: ids.saturdayNight, grantedAt: '2026-11-07T22:00:00.000Z' }),
    );
    expect(report.patterns).toContainEqual(
      expect.objectContaining({ kind: 'lopsided_approver', approverId: 'UBOSS', requesterId: 'UDEV' }),
    );
  });

  test('usage errors are one line and the usage, exit code 2, never a stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['--from', '2026-11-01'], /^--from and --to are needed/],
      [['--from', '2026-12-01', '--to', '2026-11-01'], /^--to must be later than --from/],
      [[...WINDOW, '--format', 'pdf'], /^--format must be one of markdown, csv, json/],
      [[...WINDOW, '--resource', 'nope'], /^--resource: no resource "nope" in the catalog \(orders-db, billing-db/],
      [[...WINDOW, '--form', 'csv'], /^Unknown option '--form'/],
    ];
    for (const [args, message] of cases) {
      const result = cli(args);
      expect(result).toMatchObject({ code: 2, stdout: '' });
      // One line: the problem, and where the usage is.
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
      expect(result.stderr).toContain('see `prod-access report --help`');
    }
  });
});

describe('the access digest', () => {
  test("records the week's review once as an audit row, naming the after-hours grant and the lopsided approver", async () => {
    const chain = new AuditChain(AUDIT_KEY);
    const posted: bigint[][] = [];
    const catalog = loadCatalog(path.join(ROOT, 'catalog.example.yaml'), { ...process.env, ...EXAMPLE_CATALOG_ENV });
    // Monday 9 November: the week before is Monday 2 to Monday 9, with UDEV's four approved grants.
    const digest = postAccessDigest({
      reviews: new PrismaAccessReviews(db, chain, silentLogger),
      clock: { now: () => new Date('2026-11-09T12:00:00Z') },
      catalog,
      announcements: { postAudit: async (ids) => void posted.push([...ids]) },
      intervalSeconds: 7 * 86_400,
    });
    const [first, again] = await Promise.all([digest(), digest()]);
    const recorded = [first, again].filter((d) => d !== null);
    expect(recorded).toHaveLength(1);
    expect(posted).toEqual([[recorded[0]!.eventId]]);

    const event = (await db.auditEvent.findUnique({ where: { id: recorded[0]!.eventId } }))!;
    expect(event).toMatchObject({ action: 'access_digest', actor: 'system', requestId: null });
    const line = auditLine(event, null, null);
    expect(line).toContain('*access digest* by prod-access: access review 2026-11-02T00:00:00.000Z to 2026-11-09T00:00:00.000Z: 4 grants');
    expect(line).toContain(
      `#${ids.saturdayNight} orders-db/read-only granted to UDEV outside working hours, at 2026-11-07 23:00 Europe/Paris`,
    );
    expect(line).toContain('UBOSS gave 4 of the 4 approvals UDEV received');
    expect(line).toContain('grants never used are unknown');
    expect(await new PrismaAuditLog(db).verifyChain(chain)).toMatchObject({ ok: true });
  });
});
