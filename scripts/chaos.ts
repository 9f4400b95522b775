/**
 * `npm run chaos`: the fault suite at scale against the real PostgreSQL and Redis (Slack is the local
 * stand-in). Each scenario asks for and approves many short grants, breaks something while they are
 * granted and expire, repairs it, waits for every request to end, and then counts: grants applied and
 * revoked, the latest revoke after its expiry, duplicates, audit rows missing, and access left behind.
 * The same faults run as tests in CI at a small size (test/e2e/*); this runs them larger.
 */
import { parseArgs } from 'node:util';
import { CHANNELS, clearRedis, Harness, type HarnessOptions } from '../test/support/harness';
import globalSetup from '../test/support/global-setup';
import { SERVER_URL, withClient } from '../test/support/databases';

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

async function score(h: Harness, scenario: string, ids: number[]): Promise<Row> {
  const requests = await h.db.accessRequest.findMany({ where: { id: { in: ids } } });
  const events = await h.db.auditEvent.findMany({ where: { requestId: { in: ids } } });
  const delivered = new Set((await h.db.auditDelivery.findMany()).map((d) => d.eventId));
  const count = (id: number, action: string) => events.filter((e) => e.requestId === id && e.action === action).length;
  const ownersPosts = h.postsIn(CHANNELS.owners);
  const duplicates =
    ids.filter((id) => count(id, 'granted') > 1 || count(id, 'expired') + count(id, 'revoked') > 1).length +
    (ownersPosts.length - new Set(ownersPosts.map((c) => String(c.args.text).split(':')[0])).size);
  const expected = ['requested', 'approval_recorded', 'approved', 'granted', 'expired'];
  const auditMissing =
    ids.reduce((n, id) => n + expected.filter((action) => count(id, action) === 0).length, 0) +
    events.filter((e) => !delivered.has(e.id)).length;
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
  const { values } = parseArgs({ options: { grants: { type: 'string', default: '100' }, only: { type: 'string' } } });
  const grants = Number(values.grants);
  process.env.TEST_DATABASE ??= 'prod_access_chaos';
  await globalSetup();
  const rows: Row[] = [];
  for (const scenario of SCENARIOS.filter((s) => !values.only || s.name.includes(values.only))) {
    process.stderr.write(`running: ${scenario.name} (${grants} grants)…\n`);
    rows.push(await run(scenario, grants));
  }
  console.log(
    ['fault', 'grants issued', 'grants revoked', 'latest revoke after expiry (s)', 'duplicates', 'audit rows missing', 'lost'].join(' | '),
  );
  for (const r of rows) {
    console.log([r.scenario, r.grants, r.revoked, r.latestRevokeSeconds.toFixed(1), r.duplicates, r.auditMissing, r.lost].join(' | '));
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
