import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { dropDatabase, SERVER_URL, withClient } from '../test/support/databases';
import { createMigratedDatabase } from '../test/support/global-setup';
import { Harness } from '../test/support/harness';
import { COUNTS_DIR, COUNTS_PRELOAD, countThisProcess, type OpCounts, type PerOperation } from './counts';
import { buildApp, Deployment } from './processes';
import { REDIS_URL } from './queues';
import { type AckResult, bareBoltFloor, benchAcknowledgement, type MemoryResult } from './sections/acknowledgement';
import { benchApproval, providerGrantFloor } from './sections/approval';
import { benchExpiry, expiryFloor, type ExpiryResult } from './sections/expiry';
import { benchReconciler } from './sections/reconciler';
import { bareJobsFloor, benchThroughput, type ThroughputResult } from './sections/throughput';
import { BenchSlack } from './slack';
import { printTable, round, type Row } from './stats';

/**
 * `npm run bench`: how fast prod-access answers, grants and takes back, each figure next to its floor (a bare
 * Bolt app, a bare provider call, bare BullMQ jobs) measured in the same run but alone, before any app
 * process starts; and next to each figure, the statements, Redis commands and Slack calls one operation cost.
 * The app runs from the build (`npm run build` first) as the image runs it; the Slack stand-in runs in a
 * process of its own. Options (after `npm run bench --`):
 *   --quick           a small version of each section, to check the script itself (also BENCH_QUICK=1)
 *   --only=a,b        only these sections: ack, approval, expiry, reconciler, throughput
 *   --no-build        run the build already in dist/
 * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each app process there when it exits.
 */
const SECTIONS = ['ack', 'approval', 'expiry', 'reconciler', 'throughput'] as const;
type Section = (typeof SECTIONS)[number];
const { values: options } = parseArgs({
  options: { quick: { type: 'boolean' }, only: { type: 'string' }, 'no-build': { type: 'boolean' } },
});
const QUICK = options.quick === true || process.env.BENCH_QUICK === '1';
const ONLY = new Set((options.only?.split(',') ?? SECTIONS).map((s) => s.trim()));
for (const section of ONLY)
  if (!SECTIONS.includes(section as Section)) throw new Error(`unknown section "${section}"; expected ${SECTIONS.join(', ')}`);
const runs = (section: Section) => ONLY.has(section);
const SETTINGS = {
  ack: { rates: [50, 200], seconds: QUICK ? 3 : 20, settleSeconds: QUICK ? 10 : 60, idleSeconds: QUICK ? 5 : 60 },
  approvalRounds: QUICK ? 5 : 40,
  expiry: { grants: QUICK ? 500 : 10_000, leadSeconds: QUICK ? 5 : 15, windowSeconds: QUICK ? 10 : 60, workerConcurrency: 4 },
  reconciler: { active: QUICK ? 10_000 : 100_000, historical: QUICK ? 100_000 : 1_000_000, passes: 5 },
  throughput: { concurrencies: QUICK ? [1, 4] : [1, 2, 4], requesters: 12, seconds: QUICK ? 5 : 15, bareJobs: QUICK ? 1000 : 5000 },
};
/**
 * Requests per user are limited by the app; the bench sends thousands from one user. Every app process
 * preloads the counter (op-counts.cjs); AppProcess runs it with NODE_ENV=production and LOG_LEVEL=info.
 */
const APP_ENV = {
  REQUEST_RATE_LIMIT: '1000000',
  BENCH_COUNTS_DIR: COUNTS_DIR,
  NODE_OPTIONS: [
    `--require ${COUNTS_PRELOAD}`,
    ...(process.env.BENCH_CPU_PROF ? [`--require ${path.join(__dirname, 'cpu-profile.cjs')}`] : []),
  ].join(' '),
  ...(process.env.BENCH_CPU_PROF && { BENCH_CPU_PROF: path.resolve(process.env.BENCH_CPU_PROF) }),
};
const RESULTS_FILE = path.join(__dirname, '../bench-results/latest.json');

async function main(): Promise<void> {
  const started = Date.now();
  if (!options['no-build']) buildApp();
  const databaseName = `prod_access_bench_${randomBytes(4).toString('hex')}`;
  process.env.DATABASE_URL = await createMigratedDatabase(databaseName);
  // Each harness copies this database for itself.
  process.env.TEST_TEMPLATE_DATABASE = databaseName;
  const count = countThisProcess();
  const results: Record<string, unknown> = {
    machine: await machine(),
    settings: { ...SETTINGS, quick: QUICK, sections: [...ONLY] },
    loadAverageBefore: loadavg().map((l) => round(l)),
  };
  try {
    if (runs('ack')) await benchAckAndMemory(results);
    if (runs('approval') || runs('expiry')) await benchApprovalAndExpiry(results, count);
    if (runs('reconciler')) {
      const reconciler = await benchReconciler(`${databaseName}_reconcile`, SETTINGS.reconciler, count);
      results.reconciler = reconciler;
      printTable(
        `4. Reconciler pass (${reconciler.active} active, ${reconciler.historical} historical; seeded in ${reconciler.seedSeconds} s)`,
        [
          {
            'first pass ms': reconciler.firstPassMs,
            'later passes p50 ms': reconciler.laterPassesMs.p50,
            'later max ms': reconciler.laterPassesMs.max,
            'revokes ensured / pass': reconciler.revokesEnsuredPerPass,
            ...prefixed(reconciler.perPass, 'per pass: '),
          },
        ],
      );
      printTable(
        '   Query plans of one pass',
        reconciler.plans.map((p) => ({
          query: p.query.slice(0, 90),
          scans: p.scans.join('; '),
          'uses index': p.usesIndex,
          ms: p.executionMs,
        })),
      );
    }
    if (runs('throughput')) await benchLifecycles(results, count);
  } finally {
    await dropDatabase(databaseName);
    rmSync(COUNTS_DIR, { recursive: true, force: true });
    results.loadAverageAfter = loadavg().map((l) => round(l));
    results.totalSeconds = round((Date.now() - started) / 1000, 1);
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nWritten to ${path.relative(process.cwd(), RESULTS_FILE)} (${results.totalSeconds} s in all)`);
  }
}

/**
 * Sections 1 and 6, then 2 and 3, each pair on a harness of its own: the thousands of approval messages the
 * acknowledgement leaves waiting at Slack's pace of one a second per channel must not stand in front of the
 * approval section's message. On each harness its floors run alone first, then the app's deployments.
 */
async function benchAckAndMemory(results: Record<string, unknown>): Promise<void> {
  await withBenchHarness(async (harness, slack) => {
    const floors = await bareBoltFloor(harness, slack, SETTINGS.ack);
    const ack: AckResult[] = [];
    const memory: MemoryResult[] = [];
    // The web role on its own process, its worker in another, as a split deployment runs them; then `all`.
    for (const roles of [['web', 'worker'], ['all']] as const) {
      const deployment = await Deployment.start(harness, [...roles]);
      const measured = await benchAcknowledgement(harness, slack, deployment, SETTINGS.ack, floors);
      ack.push(...measured.ack);
      memory.push(measured.memory);
      await deployment.stop();
    }
    results.acknowledgement = { floors: Object.fromEntries(floors), ack };
    results.memory = memory;
    printTable('1. Slash-command acknowledgement (ms; Slack allows 3000; target p99 < 50 at 200/s, ratio < 1.5)', [
      ...[...floors].map(([rate, floor]) => ({ deployment: 'bare Bolt (floor, alone)', rate: `${rate}/s`, ...floor })),
      ...ack.map((a) => ({
        deployment: a.deployment,
        rate: `${a.rate}/s`,
        ...a.ours,
        'ratio p50': a.ratioP50,
        'ratio p99': a.ratioP99,
        ...a.counts,
        'queues idle after': a.settled,
      })),
    ]);
    printTable(
      '6. Resident memory of the process serving Slack (MiB; the build, production logging)',
      memory.map((m) => ({
        process: m.process,
        'at start': m.startedMiB,
        'idle (after a minute)': m.idleMiB,
        'peak under load (1)': m.peakUnderLoadMiB,
      })),
    );
  });
}

async function benchApprovalAndExpiry(results: Record<string, unknown>, count: () => OpCounts): Promise<void> {
  await withBenchHarness(async (harness, slack) => {
    const floors = {
      grant: runs('approval') ? await providerGrantFloor(harness, SETTINGS.approvalRounds, count) : undefined,
      expiry: runs('expiry') ? await expiryFloor(`${harness.redisPrefix}-bare`, SETTINGS.expiry, count) : undefined,
    };
    const all = await Deployment.start(harness, ['all']);
    if (floors.grant) {
      const approval = await benchApproval(harness, slack, all, SETTINGS.approvalRounds, floors.grant);
      results.approval = approval;
      printTable(`2. Approve → access works (ms, ${approval.rounds} rounds; target: p99 overhead < 25)`, [
        { path: 'Approve click → developer can query', ...approval.approveToAccess, ...prefixed(approval.counts, 'round: ') },
        { path: 'provider grant call alone (floor)', ...approval.providerGrantAlone, ...prefixed(approval.floorCounts, 'round: ') },
        { path: 'ratio / overhead', p50: approval.ratioP50, p99: approval.ratioP99, max: `+${approval.overheadP99Ms} ms at p99` },
      ]);
    }
    if (floors.expiry) {
      const expiry: ExpiryResult[] = [await benchExpiry(harness, slack, all, SETTINGS.expiry, floors.expiry.summary, 'a')];
      // Scale-out: the same burst with a second worker process beside `all`.
      const scaledOut = await all.with(harness, 'worker');
      expiry.push(await benchExpiry(harness, slack, scaledOut, SETTINGS.expiry, floors.expiry.summary, 'b'));
      results.expiry = { floor: floors.expiry, runs: expiry };
      const { grants, windowSeconds, workerConcurrency } = SETTINGS.expiry;
      printTable(
        `3. Expiry lateness (ms; ${grants} grants over ${windowSeconds} s, worker concurrency ${workerConcurrency}; target p99 < 1000)`,
        [
          {
            jobs: 'bare BullMQ delayed no-ops (floor, alone)',
            done: floors.expiry.summary.count,
            ...floors.expiry.summary,
            ...floors.expiry.counts,
          },
          ...expiry.map((e) => ({
            jobs: `revokes by ${e.deployment}`,
            done: e.revoked,
            ...e.ours,
            'ratio p50': e.ratioP50,
            'ratio p99': e.ratioP99,
            ...e.counts,
          })),
        ],
      );
    }
  });
}

/** A harness and a Slack stand-in process of their own for `run`, stopped after it. */
async function withBenchHarness(run: (harness: Harness, slack: BenchSlack) => Promise<void>): Promise<void> {
  const harness = await Harness.start({ role: 'none', env: APP_ENV });
  const slack = await BenchSlack.start(harness.suffix);
  harness.useSlackApi(slack.apiUrl);
  try {
    await run(harness, slack);
  } finally {
    await harness.stop();
    await slack.stop();
  }
}

/** Section 5: its floors alone first, then one harness per deployment and worker concurrency, and the scale-out row. */
async function benchLifecycles(results: Record<string, unknown>, count: () => OpCounts): Promise<void> {
  const { concurrencies, bareJobs } = SETTINGS.throughput;
  const floors = new Map<number, { jobsPerSecond: number; counts: PerOperation }>();
  const floorPrefix = `pa-bench-${randomBytes(4).toString('hex')}-bare`;
  for (const concurrency of concurrencies) floors.set(concurrency, await bareJobsFloor(floorPrefix, concurrency, bareJobs, count));
  const settings = { ...SETTINGS.throughput, env: APP_ENV };
  const throughput: ThroughputResult[] = [];
  for (const concurrency of concurrencies) throughput.push(await benchThroughput(settings, concurrency, ['all']));
  // Scale-out: the same load at the highest concurrency with a second worker process.
  const top = concurrencies.at(-1)!;
  throughput.push(await benchThroughput(settings, top, ['all', 'worker']));
  results.throughput = { floors: Object.fromEntries(floors), runs: throughput };
  printTable('5. Full lifecycles (request → approve → grant → revoke) per second; target ≥ 60/s, ×1.8 with a second worker process', [
    ...[...floors].map(([concurrency, floor]) => ({
      deployment: 'bare BullMQ no-op jobs (floor, alone)',
      'worker concurrency': concurrency,
      lifecycles: '',
      seconds: '',
      'per second': floor.jobsPerSecond,
      ...floor.counts,
    })),
    ...throughput.map((t) => ({
      deployment: t.deployment,
      'worker concurrency': t.workerConcurrency,
      lifecycles: t.lifecycles,
      seconds: t.seconds,
      'per second': t.lifecyclesPerSecond,
      'bare jobs per lifecycle': round(floors.get(t.workerConcurrency)!.jobsPerSecond / t.lifecyclesPerSecond, 0),
      ...t.counts,
    })),
  ]);
}

/** Count columns named for the operation they count. */
function prefixed(counts: Record<string, number | undefined>, prefix: string): Row {
  return Object.fromEntries(Object.entries(counts).map(([key, value]) => [`${prefix}${key.replace('/op', '')}`, value ?? '']));
}

/** What the figures were measured on. */
async function machine() {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '../package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const redis = new Redis(REDIS_URL);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  redis.disconnect();
  const postgres = await withClient(
    SERVER_URL,
    async (db) => (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v,
  );
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    postgres,
    redis: redisVersion,
    ...Object.fromEntries(['@slack/bolt', 'bullmq', 'ioredis', '@prisma/client', 'pg'].map((name) => [name, pkg.dependencies[name]])),
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
