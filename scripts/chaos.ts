/**
 * `npm run chaos`: the fault suite at scale against the real PostgreSQL and Redis (Slack is the local
 * stand-in). Each scenario asks for and approves many short grants, breaks something while they are
 * granted and expire, repairs it, waits for every request to end, and then counts: grants applied and
 * revoked, the latest revoke after its expiry, duplicates, audit rows missing, and access left behind.
 * The same faults run as tests in CI at a small size (test/e2e/*); this runs them larger. The burst
 * (`--burst N`, 0 to skip) has N grants of their own login role expire in the same second, and scores the
 * same way, except that its audit lines still waiting for the audit channel are reported beside the table
 * (the channel keeps Slack's pace) rather than counted as missing from the audit log.
 */
import { parseArgs } from 'node:util';
import { CHANNELS, clearRedis, Harness, type HarnessOptions } from '../test/support/harness';
import globalSetup from '../test/support/global-setup';
import { AUDIT_KEY, SERVER_URL, withClient } from '../test/support/databases';
import { loadCatalog } from '../src/main/catalog/load';
import { AuditChain } from '../src/db/audit-chain';
import { PrismaRequestStore } from '../src/db/request-store';
import { catalogSpec } from '../src/domain/grant';
import { createProviderFactory } from '../src/providers/registry';
import { startBurstProbe } from './burst-probe';
import { silentLogger } from '../test/support/logs';

interface Scenario {
  name: string;
  options?: HarnessOptions;
  /** Breaks something while the grants are live; returns the repair. */
  fault(h: Harness): Promise<() => Promise<void>>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outage = (seconds: number, set: (h: Harness, down: boolean) => void) => async (h: Harness) => {
  set(h, true);
  await pause(seconds * 1000);
  return async () => set(h, false);
};

const SCENARIOS: Scenario[] = [
  { name: 'none (baseline)', fault: async () => async () => undefined },
  {
    name: 'Redis loses every key',
    fault: async (h) => {
      await clearRedis(h.redisPrefix);
      return async () => undefined;
    },
  },
  {
    name: 'Redis down 20 s',
    options: { proxyDependencies: true },
    fault: outage(20, (h, down) => h.redisProxy!.setMode(down ? 'down' : 'up')),
  },
  {
    name: 'PostgreSQL down 10 s',
    options: { proxyDependencies: true },
    fault: outage(10, (h, down) => h.databaseProxy!.setMode(down ? 'down' : 'up')),
  },
  { name: 'target down 15 s', fault: outage(15, (h, down) => h.setTargetReachable(!down)) },
  {
    name: 'Slack 429/500',
    fault: async (h) => {
      h.slack.failNext('chat.postMessage', { status: 500 }, 40);
      h.slack.failNext('chat.update', { status: 429, retryAfter: 1 }, 40);
      return async () => undefined;
    },
  },
  {
    name: 'worker SIGKILLed',
    options: { role: 'web', env: { JOB_LOCK_SECONDS: '5' } },
    fault: async (h) => {
      const worker = h.processes.find((p) => p.role === 'worker')!;
      await worker.kill('SIGKILL');
      h.processes.splice(h.processes.indexOf(worker), 1);
      await h.spawn('worker');
      return async () => undefined;
    },
  },
];

interface Row {
  scenario: string;
  grants: number;
  revoked: number;
  latestRevokeSeconds: number;
  duplicates: number;
  auditMissing: number;
  lost: number;
}

async function run(scenario: Scenario, grants: number): Promise<Row> {
  const h = await Harness.start({
    reconcileIntervalSeconds: 2,
    ...scenario.options,
    env: { REQUEST_RATE_LIMIT: '100000', WORKER_CONCURRENCY: '8', ...scenario.options?.env },
  });
  try {
    if (scenario.options?.role === 'web') await h.spawn('worker');
    const ids: number[] = [];
    for (let batch = 0; batch < grants; batch += 10) {
      const replies = await Promise.all(
        Array.from({ length: Math.min(10, grants - batch) }, (_, i) =>
          h.ask(h.users.dev, `request ${h.resourceId} read-only 15s chaos ${batch + i}`),
        ),
      );
      ids.push(...replies.map((reply) => Number(/#(\d+)/.exec(reply)?.[1])));
    }
    await Promise.all(ids.map((id) => h.waitForApprovalMessage(id, 'Waiting for approval', 120_000)));
    for (let i = 0; i < ids.length; i += 10) await Promise.all(ids.slice(i, i + 10).map((id) => h.click(h.users.manager1, id)));
    await pause(3000);
    const repair = await scenario.fault(h);
    await repair();
    // Every request must end; the check gives up after a generous bound and counts what did not.
    const deadline = Date.now() + 180_000;
    for (;;) {
      const open = await h.db.accessRequest.count({
        where: { id: { in: ids }, status: { in: ['PENDING', 'APPROVED', 'ACTIVE', 'REVOKE_FAILED'] } },
      });
      if (open === 0 || Date.now() > deadline) break;
      await pause(1000);
    }
    // Slack lines may still be on their way (retries with backoff after Slack errors): give them a bound too.
    const slackDeadline = Date.now() + 120_000;
    for (;;) {
      const events = await h.db.auditEvent.findMany({ where: { requestId: { in: ids } }, select: { id: true } });
      const delivered = await h.db.auditDelivery.count({ where: { eventId: { in: events.map((e) => e.id) } } });
      if (delivered === events.length || Date.now() > slackDeadline) break;
      await pause(1000);
    }
    return await score(h, scenario.name, ids);
  } finally {
    await h.stop();
  }
}

const BURST_RESOURCE = 'burst-db';

/**
 * N grants, each its own temporary login role in the target (so each revoke is real work in the target),
 * all expiring in the same second. The grants are made by the script with the app's own store and
 * provider (through Slack they would take minutes at Slack's pace and never line up on one second); the
 * revokes are the app's: its reconciler finds them due and its workers revoke them.
 */
async function runBurst(n: number): Promise<Row & { auditChannel: { lagSeconds: number; waiting: number } }> {
  const h = await Harness.start({
    reconcileIntervalSeconds: 2,
    env: { REQUEST_RATE_LIMIT: '100000', WORKER_CONCURRENCY: '8' },
    resources: (harness) => [
      {
        id: BURST_RESOURCE,
        name: 'Burst database',
        ownersChannel: CHANNELS.owners,
        provider: { kind: 'postgres', mode: 'login-role', connectionEnv: harness.adminEnvName },
        levels: [
          {
            id: 'read-only',
            target: { role: harness.target.roles.read },
            maxDuration: '1h',
            approvals: 1,
            approvers: { users: [harness.users.manager1] },
          },
        ],
      },
    ],
  });
  try {
    const catalog = loadCatalog(h.settings.PROD_ACCESS_CATALOG!, h.settings);
    const store = new PrismaRequestStore(h.db, new AuditChain(AUDIT_KEY), silentLogger);
    const providers = createProviderFactory(h.settings);
    // Far enough ahead for every grant to be applied first, on one whole second.
    const expiresAt = new Date(Math.ceil((Date.now() + 30_000 + n * 80) / 1000) * 1000);
    const ids: number[] = [];
    const grantOne = async (i: number) => {
      const now = new Date();
      const quota = { since: now, admit: () => undefined };
      const { request } = await store.create(
        {
          requesterId: h.users.dev,
          resourceId: BURST_RESOURCE,
          level: 'read-only',
          targetIdentity: h.target.roles.login,
          durationSeconds: Math.ceil((expiresAt.getTime() - now.getTime()) / 1000),
          reason: `chaos burst ${i}`,
          ticketUrl: null,
          approvalsRequired: 1,
          startsAt: null,
          pendingExpiresAt: new Date(now.getTime() + 3_600_000),
          extendsRequestId: null,
        },
        { actor: h.users.dev, action: 'requested', detail: {} },
        quota,
      );
      // Applied while the request is still pending: once it is approved, the app's reconciler would queue a
      // grant job of its own, racing this one for the same login role.
      const { resource, spec } = catalogSpec(catalog, request, expiresAt);
      const access = await providers(resource).grant(spec);
      await store.transition(request.id, 'APPROVED', { decidedAt: now }, { actor: h.users.manager1, action: 'approved', detail: {} });
      await store.transition(
        request.id,
        'ACTIVE',
        { grantedAt: new Date(), expiresAt, accessLines: access.lines, accessSecretIssued: access.oneTimeSecret !== undefined },
        { actor: 'system', action: 'granted', detail: { identity: spec.identity, expiresAt: expiresAt.toISOString() } },
      );
      // Its access DM recorded as delivered, as the app's grant does: else the reconciler sends it again.
      await store.markAccessDelivered(request.id);
      ids.push(request.id);
    };
    for (let i = 0; i < n; i += 20) await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => grantOne(i + j)));
    if (Date.now() >= expiresAt.getTime())
      process.stderr.write('  burst: the grants took longer than planned; they did not all expire in the same second\n');
    const probe = await startBurstProbe(h, expiresAt);
    const deadline = expiresAt.getTime() + 300_000;
    for (;;) {
      const open = await h.db.accessRequest.count({ where: { id: { in: ids }, status: { in: ['ACTIVE', 'REVOKE_FAILED'] } } });
      if (open === 0 || Date.now() > deadline) break;
      await pause(200);
    }
    await probe.revokesDone();
    // The audit channel keeps Slack's pace: how long after the expiry its last line of the burst went out.
    // Its rows are all in the audit log (scored below); the channel is reported apart, since at Slack's
    // pace (one message a second) a burst's lines take a while to go out.
    let auditChannel = { lagSeconds: 0, waiting: 0 };
    const auditDeadline = Date.now() + 300_000;
    for (;;) {
      const events = await h.db.auditEvent.findMany({ where: { requestId: { in: ids } }, select: { id: true } });
      const delivered = await h.db.auditDelivery.count({ where: { eventId: { in: events.map((e) => e.id) } } });
      auditChannel = { lagSeconds: (Date.now() - expiresAt.getTime()) / 1000, waiting: events.length - delivered };
      if (auditChannel.waiting === 0 || Date.now() > auditDeadline) break;
      await pause(1000);
    }
    process.stderr.write(`${await probe.report(ids)}\n`);
    const row = await score(h, `${n} grants expire in the same second`, ids, ['requested', 'approved', 'granted', 'expired'], {
      countUndelivered: false,
    });
    const leftBehind = await withClient(SERVER_URL, async (db) =>
      Number((await db.query(`SELECT count(*) AS n FROM pg_roles WHERE rolname LIKE $1`, [`${h.target.roles.login}_pa%`])).rows[0].n),
    );
    return { ...row, lost: row.lost + leftBehind, auditChannel };
  } finally {
    await h.stop();
  }
}

async function score(
  h: Harness,
  scenario: string,
  ids: number[],
  expected = ['requested', 'approval_recorded', 'approved', 'granted', 'expired'],
  { countUndelivered } = { countUndelivered: true },
): Promise<Row> {
  const requests = await h.db.accessRequest.findMany({ where: { id: { in: ids } } });
  const events = await h.db.auditEvent.findMany({ where: { requestId: { in: ids } } });
  const delivered = new Set((await h.db.auditDelivery.findMany()).map((d) => d.eventId));
  const count = (id: number, action: string) => events.filter((e) => e.requestId === id && e.action === action).length;
  const ownersPosts = h.postsIn(CHANNELS.owners);
  const duplicates =
    ids.filter((id) => count(id, 'granted') > 1 || count(id, 'expired') + count(id, 'revoked') > 1).length +
    (ownersPosts.length - new Set(ownersPosts.map((c) => String(c.args.text).split(':')[0])).size);
  const auditMissing =
    ids.reduce((n, id) => n + expected.filter((action) => count(id, action) === 0).length, 0) +
    (countUndelivered ? events.filter((e) => !delivered.has(e.id)).length : 0);
  const stillHeld = await withClient(
    SERVER_URL,
    async (db) =>
      (await db.query('SELECT pg_has_role($1, $2, $3) AS held', [h.target.roles.login, h.target.roles.read, 'MEMBER'])).rows[0]
        .held as boolean,
  );
  const ended = requests.filter((r) => r.status === 'EXPIRED' || r.status === 'REVOKED');
  const unended = new Map<string, number[]>();
  for (const r of requests.filter((r) => !ended.includes(r))) unended.set(r.status, [...(unended.get(r.status) ?? []), r.id]);
  const notEnded = [...unended].map(([status, rs]) => `${status} ${rs.length} (e.g. #${rs[0]})`);
  if (notEnded.length > 0) process.stderr.write(`  ${scenario}: not ended: ${notEnded.join(', ')}\n`);
  const lateness = ended.map((r) => (r.endedAt!.getTime() - r.expiresAt!.getTime()) / 1000);
  return {
    scenario,
    grants: events.filter((e) => e.action === 'granted').length,
    revoked: ended.length,
    latestRevokeSeconds: Math.max(0, ...lateness),
    duplicates,
    auditMissing,
    lost: requests.length - ended.length + (stillHeld ? 1 : 0),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { grants: { type: 'string', default: '100' }, only: { type: 'string' }, burst: { type: 'string', default: '1000' } },
  });
  const grants = Number(values.grants);
  const burst = Number(values.burst);
  process.env.TEST_DATABASE ??= 'prod_access_chaos';
  await globalSetup();
  const rows: Row[] = [];
  for (const scenario of SCENARIOS.filter((s) => !values.only || s.name.includes(values.only))) {
    process.stderr.write(`running: ${scenario.name} (${grants} grants)…\n`);
    rows.push(await run(scenario, grants));
  }
  let burstChannel: { lagSeconds: number; waiting: number } | undefined;
  if (burst > 0 && (!values.only || 'burst'.includes(values.only))) {
    process.stderr.write(`running: burst (${burst} grants expiring in the same second)…\n`);
    const row = await runBurst(burst);
    burstChannel = row.auditChannel;
    rows.push(row);
  }
  console.log(
    ['fault', 'grants issued', 'grants revoked', 'latest revoke after expiry (s)', 'duplicates', 'audit rows missing', 'lost'].join(' | '),
  );
  for (const r of rows) {
    console.log([r.scenario, r.grants, r.revoked, r.latestRevokeSeconds.toFixed(1), r.duplicates, r.auditMissing, r.lost].join(' | '));
  }
  if (burstChannel) {
    const { lagSeconds, waiting } = burstChannel;
    console.log(
      waiting === 0
        ? `burst: the audit channel had every line of it ${lagSeconds.toFixed(1)} s after the expiry`
        : `burst: ${waiting} audit lines of it still waited for the audit channel ${lagSeconds.toFixed(0)} s after the expiry (all are in the audit log)`,
    );
  }
  const lost = rows.reduce((n, r) => n + r.lost, 0);
  const duplicates = rows.reduce((n, r) => n + r.duplicates, 0);
  const missing = rows.reduce((n, r) => n + r.auditMissing, 0);
  console.log(
    `verdict: ${lost === 0 && duplicates === 0 && missing === 0 ? 'PASS' : 'FAIL'}: ${lost} lost revocations, ${duplicates} duplicates, ${missing} audit rows missing`,
  );
  return lost + duplicates + missing === 0 ? 0 : 1;
}

main().then((code) => process.exit(code));
