import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AuditChain } from '../../src/db/audit-chain';
import { createDb, type Db } from '../../src/db/client';
import { PrismaRequestStore } from '../../src/db/request-store';
import type { AuditAction } from '../../src/domain/request';
import { APP_LOGIN, AUDIT_KEY, copyDatabase, databaseUrl, dropDatabase } from '../support/databases';
import { EXAMPLE_CATALOG_ENV } from '../support/example-catalog';
import { Harness } from '../support/harness';
import { silentLogger } from '../support/logs';

const ROOT = path.join(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const result = spawnSync(TSX, ['src/main/cli.ts', ...args], {
    cwd: ROOT,
    // Only what the test gives, so no developer's .env leaks in (the .env.example defaults still apply).
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the prod-access command line', () => {
  test('a missing SLACK_SIGNING_SECRET stops start-up with one line naming it', () => {
    const result = cli(['start'], { SLACK_BOT_TOKEN: 'xoxb-1', PROD_ACCESS_CATALOG: 'catalog.example.yaml' });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([
      "SLACK_SIGNING_SECRET: missing; expected the app's signing secret (Basic Information page of your Slack app)",
    ]);
  });

  test('in production, missing Slack credentials stop start-up with one line per variable, never a sandbox', () => {
    const result = cli(['start'], { PROD_ACCESS_CATALOG: 'catalog.example.yaml' });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([
      'SLACK_BOT_TOKEN: missing; expected a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)',
      "SLACK_SIGNING_SECRET: missing; expected the app's signing secret (Basic Information page of your Slack app)",
    ]);
  });

  test('catalog validate accepts the example and lists every problem of a broken catalog with its path', () => {
    const ok = cli(['catalog', 'validate', 'catalog.example.yaml'], EXAMPLE_CATALOG_ENV);
    // Then the notes of a valid catalog (levels open to everyone, profile-field warnings): test/e2e/identity.test.ts.
    expect(ok).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^catalog\.example\.yaml: valid \(6 resources, 8 access levels\)\n/),
    });
    const broken = cli(['catalog', 'validate', 'test/fixtures/broken-catalog.yaml']);
    expect(broken.code).toBe(1);
    expect(broken.stderr.trim().split('\n')).toEqual([
      'test/fixtures/broken-catalog.yaml: auditChannel: must be a Slack channel id like C0123ABCD',
      'test/fixtures/broken-catalog.yaml: resources[0].levels[0].maxDuration: "forever" is not a duration. Use a number with a unit, like 30m, 2h, 1h30m or 1d.',
      'test/fixtures/broken-catalog.yaml: resources[0].levels[0].approvers: must list at least one approver user or group',
      'test/fixtures/broken-catalog.yaml: resources[0].provider.connectionEnv: must be the NAME of an environment variable, not a URL',
    ]);
  });

  test('catalog validate --connect tries every provider and names the ones it cannot use, without their secrets', () => {
    const result = cli(['catalog', 'validate', '--connect', 'catalog.example.yaml'], {
      ...EXAMPLE_CATALOG_ENV,
      BILLING_DB_ADMIN_URL: 'mysql://root:wrong-secret-pw@127.0.0.1:3306/',
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      // The test server has no roles of the example's levels: reachable is not enough.
      'catalog.example.yaml: resources[0].provider: cannot use orders-db: the database has no role "orders_read", "orders_write" (named by a level)',
      expect.stringMatching(/^catalog\.example\.yaml: resources\[1\]\.provider: cannot use billing-db: Access denied for user 'root'/),
      expect.stringMatching(
        /^catalog\.example\.yaml: resources\[3\]\.provider: cannot use feature-flags: The webhook https:\/\/flags\.internal\.example\.com\/prod-access failed the ping/,
      ),
      'catalog.example.yaml: resources[4].provider: cannot use orders-k8s: /usr/local/bin/kubectl is not an executable file.',
      expect.stringMatching(/^catalog\.example\.yaml: resources\[5\]\.provider: cannot use orders-api-allowlist: ENOENT/),
    ]);
    expect(result.stderr).not.toContain('wrong-secret-pw');
    expect(cli(['catalog', 'validate', '--connnect', 'catalog.example.yaml']).stderr).toMatch(/Unknown option '--connnect'/);
  });

  test('audit prints the events of a request as JSON lines', async () => {
    const h = await Harness.start();
    try {
      const reply = await h.ask(h.users.dev, `request ${h.resourceId} read-only 10m audit cli`);
      const id = Number(/#(\d+)/.exec(reply)?.[1]);
      await h.clickAndReply(h.users.manager1, id);
      await h.waitForApprovalMessage(id, 'active until');
      const result = cli(['audit', '--request', String(id)], { DATABASE_URL: h.databaseUrl });
      expect(result.code).toBe(0);
      const events = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { action: string; requestId: number; actor: string });
      expect(events.map((e) => e.action)).toEqual(['requested', 'approval_recorded', 'approved', 'granted']);
      expect(events.every((e) => e.requestId === id)).toBe(true);
      expect(events[0]!.actor).toBe(h.users.dev);
      expect(cli(['audit', '--from', 'yesterday']).stderr).toMatch(/ISO dates/);
    } finally {
      await h.stop();
    }
  });
});

describe('audit export', () => {
  const name = `${process.env.TEST_DATABASE ?? 'prod_access_test'}_export`;
  const url = databaseUrl(name, APP_LOGIN);
  let db: Db;
  /** Seeded: more events than a page, then request B's four events between `from` and `to`, then an anchor. */
  const seeded = { ids: [] as string[], requestB: 0, from: '', to: '' };
  const exportAudit = (args: string[]) => cli(['audit', 'export', ...args], { DATABASE_URL: url });
  const linesOf = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

  beforeAll(async () => {
    await dropDatabase(name);
    await copyDatabase(process.env.TEST_TEMPLATE_DATABASE!, name);
    db = createDb(url);
    const store = new PrismaRequestStore(db, new AuditChain(AUDIT_KEY), silentLogger);
    const request = (identity: string) =>
      db.accessRequest.create({
        data: {
          requesterId: 'UDEV',
          resourceId: 'orders-db',
          level: 'read-only',
          targetIdentity: identity,
          durationSeconds: 600,
          reason: 'export test',
          approvalsRequired: 1,
          pendingExpiresAt: new Date(Date.now() + 3600_000),
        },
      });
    const a = await request('alice');
    const cycle: AuditAction[] = ['requested', 'approval_recorded', 'approved', 'granted', 'expiry_warned', 'expired', 'drift_found'];
    // Past one page of 500, so the export crosses a page boundary.
    for (let n = 0; n < 520; n++) {
      const action = cycle[n % cycle.length]!;
      await store.audit(action === 'drift_found' ? null : a.id, { actor: n % 3 ? 'system' : 'UDEV', action, detail: { n } });
    }
    await pause();
    seeded.from = new Date().toISOString();
    const b = await request('bob');
    seeded.requestB = b.id;
    await store.audit(b.id, { actor: 'UDEV', action: 'requested', detail: { reason: 'export test' } });
    await store.audit(b.id, { actor: 'UAPPROVER', action: 'approved', detail: { approvals: 1 } });
    await store.audit(b.id, { actor: 'system', action: 'granted' });
    await store.audit(b.id, { actor: 'UDEV', action: 'revoked' });
    await pause();
    seeded.to = new Date().toISOString();
    await store.audit(null, { actor: 'system', action: 'audit_anchored', detail: { anchor: 'x' } });
    seeded.ids = (await db.auditEvent.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((e) => e.id.toString());
  }, 120_000);

  afterAll(async () => {
    await db.$disconnect();
    await dropDatabase(name);
  });

  test('jsonl: every event once, in order, across pages, with its chain fields and its request joined', async () => {
    const result = exportAudit(['--format', 'jsonl']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = linesOf(result.stdout);
    expect(lines.map((l) => l.id)).toEqual(seeded.ids);
    const stored = await db.auditEvent.findMany({ orderBy: { id: 'asc' } });
    expect(lines.map((l) => [l.hash, l.prevHash, l.at])).toEqual(stored.map((e) => [e.hash, e.prevHash, e.at.toISOString()]));
    const granted = lines.find((l) => l.requestId === seeded.requestB && l.action === 'granted');
    expect(granted).toMatchObject({ actor: 'system', resource: 'orders-db', level: 'read-only', identity: 'bob', detail: {} });
    expect(lines.at(-1)).toMatchObject({ action: 'audit_anchored', requestId: null, resource: null, level: null, identity: null });
    expect(lines.find((l) => l.action === 'drift_found')).toMatchObject({ requestId: null, identity: null });
  }, 120_000);

  test('a reader that stops early ends the export quietly', () => {
    // More than a pipe holds, so the export is still writing when `head` goes away.
    const piped = spawnSync('bash', ['-c', `"${TSX}" src/main/cli.ts audit export --format ocsf | head -n 1; exit \${PIPESTATUS[0]}`], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', DATABASE_URL: url },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ code: piped.status, stderr: piped.stderr }).toEqual({ code: 0, stderr: '' });
    expect(linesOf(piped.stdout)).toHaveLength(1);
  }, 120_000);

  test('--request, --from and --to filter, as audit does', () => {
    const ofB = linesOf(exportAudit(['--format', 'jsonl', '--request', `#${seeded.requestB}`]).stdout);
    expect(ofB.map((l) => l.action)).toEqual(['requested', 'approved', 'granted', 'revoked']);
    const between = linesOf(exportAudit(['--format', 'jsonl', '--from', seeded.from, '--to', seeded.to]).stdout);
    expect(between).toEqual(ofB);
    // The same on a server whose sessions run in another time zone: `at` holds UTC, and so do the bounds.
    const elsewhere = `${url}?options=${encodeURIComponent('-c TimeZone=America/New_York')}`;
    const args = ['audit', 'export', '--format', 'jsonl', '--from', seeded.from, '--to', seeded.to];
    expect(linesOf(cli(args, { DATABASE_URL: elsewhere }).stdout)).toEqual(ofB);
    const after = linesOf(exportAudit(['--format', 'ocsf', '--from', seeded.to]).stdout);
    expect(after.map((l) => (l.metadata as { uid: string }).uid)).toEqual([seeded.ids.at(-1)]);
  }, 120_000);

  test('ocsf: one IAM event per audit event, type_uid from class and activity, the required fields there', () => {
    const result = exportAudit(['--format', 'ocsf']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const events = linesOf(result.stdout) as {
      class_uid: number;
      category_uid: number;
      activity_id: number;
      type_uid: number;
      severity_id: number;
      status_id: number;
      time: number;
      metadata: { version: string; product: { name: string; vendor_name: string }; uid: string };
      actor: { user: { uid: string } };
      user?: { name: string };
      unmapped: { action: string; request_id: number | null };
    }[];
    expect(events.map((e) => e.metadata.uid)).toEqual(seeded.ids);
    for (const e of events) {
      expect([3001, 3003]).toContain(e.class_uid);
      expect(e.category_uid).toBe(3);
      expect(e.type_uid).toBe(e.class_uid * 100 + e.activity_id);
      expect(e).toMatchObject({ severity_id: expect.any(Number), status_id: expect.any(Number), time: expect.any(Number) });
      expect(e.metadata).toMatchObject({
        version: expect.stringMatching(/^1\./),
        product: { name: 'prod-access', vendor_name: 'prod-access' },
      });
      expect(e.actor.user.uid).toEqual(expect.any(String));
    }
    const ofB = events.filter((e) => e.unmapped.request_id === seeded.requestB);
    expect(ofB.map((e) => e.type_uid)).toEqual([300301, 300301, 300107, 300108]);
    expect(ofB.every((e) => e.user?.name === 'bob')).toBe(true);
  }, 120_000);

  test('a bad option, a missing value or an unreachable database is one line on stderr, never a stack trace', () => {
    const bad = [
      [[], /^--format is required; usage: prod-access audit export --format jsonl\|ocsf/],
      [['--format', 'xml'], /^unknown format "xml"; usage:/],
      [['--format'], /argument missing.*; usage:/],
      [['--format', 'jsonl', '--since', 'x'], /Unknown option '--since'.*; usage:/],
      [['--format', 'jsonl', '--from', 'yesterday'], /ISO dates.*; usage:/],
      [['--format', 'jsonl', 'extra'], /Unexpected argument 'extra'.*; usage:/],
    ] as const;
    for (const [args, message] of bad) {
      const result = exportAudit([...args]);
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    }
    const down = cli(['audit', 'export', '--format', 'jsonl'], { DATABASE_URL: databaseUrl(name, APP_LOGIN).replace(/:\d+\//, ':1/') });
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^audit export failed: Can't reach database server at /)]);
  }, 180_000);
});

describe('every command, given a mistake or an unreachable dependency, says what is wrong in one line', () => {
  // A closed port: PostgreSQL is down.
  const down = { DATABASE_URL: databaseUrl('pa_nowhere').replace(/:\d+\//, ':1/') };
  const startable = {
    ...EXAMPLE_CATALOG_ENV,
    ...down,
    SLACK_BOT_TOKEN: 'xoxb-1',
    SLACK_SIGNING_SECRET: 'a-signing-secret',
    PROD_ACCESS_CATALOG: 'catalog.example.yaml',
    AUDIT_HMAC_KEY: AUDIT_KEY,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `cli-${process.pid}`,
  };
  const USAGE = 2;
  const FAILURE = 1;
  const cases: [string[], number, RegExp, Record<string, string>?][] = [
    [['bogus'], USAGE, /^unknown command "bogus"; see `prod-access --help`$/],
    [['--bogus'], USAGE, /^Unknown option '--bogus'; see `prod-access start --help`$/],
    [['start', 'bogus'], USAGE, /^unknown role "bogus", not one of web, worker, all; see `prod-access start --help`$/],
    [['worker', 'extra'], USAGE, /^unexpected argument "extra"; see `prod-access start --help`$/],
    [['start'], FAILURE, /^prod-access failed: Can't reach database server at /, startable],
    [['catalog'], USAGE, /^a subcommand is needed; see `prod-access catalog --help`$/],
    [['catalog', 'check'], USAGE, /^unknown command "check"; see `prod-access catalog --help`$/],
    [['catalog', 'validate'], USAGE, /^the catalog file is missing; see `prod-access catalog validate --help`$/],
    [['catalog', 'validate', '--bogus', 'x.yaml'], USAGE, /^Unknown option '--bogus'; see/],
    [['catalog', 'validate', 'a.yaml', 'b.yaml'], USAGE, /^unexpected argument "b.yaml"; see/],
    [['catalog', 'validate', 'missing.yaml'], FAILURE, /^missing\.yaml: \(file\): cannot read missing\.yaml: no such file$/],
    [['catalog', 'validate', 'test/fixtures'], FAILURE, /: cannot read test\/fixtures: a folder, not a file$/],
    [['audit', '--bogus'], USAGE, /^Unknown option '--bogus'; see `prod-access audit --help`$/],
    [['audit', '--request'], USAGE, /^Option '--request <value>' argument missing; see `prod-access audit --help`$/],
    [['audit', '--request', 'abc'], USAGE, /^--request takes a request id/],
    [['audit', 'bogus'], USAGE, /^unknown command "bogus"; see `prod-access audit --help`$/],
    [['audit'], FAILURE, /^prod-access failed: Can't reach database server at /, down],
    [['audit', 'verify', '--bogus', 'extra'], USAGE, /^Unknown option '--bogus'; see `prod-access audit verify --help`$/],
    [['audit', 'verify', 'extra'], USAGE, /^unexpected argument "extra"; see `prod-access audit verify --help`$/],
    [['audit', 'verify', '--anchor', 'nope'], USAGE, /^--anchor takes <id>:<count>:<hash>/],
    [['audit', 'verify'], FAILURE, /^prod-access failed: Can't reach database server at /, { ...down, AUDIT_HMAC_KEY: AUDIT_KEY }],
    [['audit', 'anchor', 'extra'], USAGE, /^unexpected argument "extra"; see `prod-access audit anchor --help`$/],
    [['audit', 'anchor'], FAILURE, /^prod-access failed: Can't reach database server at /, { ...down, AUDIT_HMAC_KEY: AUDIT_KEY }],
    [['audit', 'export', '--bogus'], USAGE, /^Unknown option '--bogus'/],
    [['request'], USAGE, /^a subcommand is needed; see `prod-access request --help`$/],
    [['request', 'resolve', '1'], USAGE, /^--reason is needed.*; see `prod-access request resolve --help`$/],
    [['request', 'resolve', '1', '--reason', 'x'], FAILURE, /^prod-access failed: Can't reach database server at /, startable],
  ];

  test.concurrent.each(cases)(
    'prod-access %j: exit %d',
    async (args, code, message, env) => {
      const result = cli(args, env);
      expect({ code: result.code, stderr: result.stderr.trim().split('\n') }).toEqual({ code, stderr: [expect.stringMatching(message)] });
      // No stack trace anywhere, nor an error that names a file of ours.
      for (const output of [result.stdout, result.stderr]) {
        expect(output).not.toMatch(/^\s+at /m);
        expect(output).not.toMatch(/Error: .*\//);
      }
    },
    60_000,
  );

  test.each([
    [['-h'], /^Usage:\n {2}prod-access \[start\][^]* {2}prod-access catalog validate[^]* {2}prod-access audit verify/],
    [['--help'], /^Usage:\n {2}prod-access \[start\]/],
    [['help'], /^Usage:\n {2}prod-access \[start\]/],
    [['start', '--help'], /^Usage:\n {2}prod-access \[start\] \[web\|worker\|all\][^\n]*\n$/],
    [['worker', '-h'], /^Usage:\n {2}prod-access \[start\]/],
    [['catalog', '--help'], /^Usage:\n {2}prod-access catalog validate \[--connect\] <file>/],
    [['catalog', 'validate', '-h'], /^Usage:\n {2}prod-access catalog validate/],
    [['audit', '--help'], /^Usage:\n {2}prod-access audit \[--request N\][^]*audit export[^]*audit verify[^]*audit anchor/],
    [['audit', 'verify', '--help'], /^Usage:\n {2}prod-access audit verify \[--anchor ID:COUNT:HASH\]/],
    [['audit', 'export', '-h'], /^Usage:\n {2}prod-access audit export --format/],
    [['request', '--help'], /^Usage:\n {2}prod-access request resolve <id> --reason/],
  ])('prod-access %j prints that level of usage', (args, usage) => {
    const result = cli(args);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(usage);
  });

  test('--version prints the version of the package', () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(cli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('a YAML syntax error names its line and column', () => {
    const result = cli(['catalog', 'validate', 'test/fixtures/catalog-syntax-error.yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'test/fixtures/catalog-syntax-error.yaml: line 4, column 11: Nested mappings are not allowed in compact mappings',
    ]);
  });
});
