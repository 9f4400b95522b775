import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { dropDatabase, SERVER_URL, withClient } from '../test/support/databases';
import { createMigratedDatabase } from '../test/support/global-setup';
import { Harness } from '../test/support/harness';
import { REDIS_URL } from './queues';
import { benchAcknowledgement } from './sections/acknowledgement';
import { benchApproval } from './sections/approval';
import { benchExpiry } from './sections/expiry';
import { benchReconciler } from './sections/reconciler';
import { benchThroughput, type ThroughputResult } from './sections/throughput';
import { printTable, round } from './stats';

/**
 * `npm run bench`: how fast prod-access answers, grants and takes back, each figure next to the floor (a bare
 * Bolt app, a bare provider call, bare BullMQ jobs) measured in the same run. BENCH_QUICK=1 runs a small
 * version of every section, to check the script itself.
 */
const QUICK = process.env.BENCH_QUICK === '1';
const SETTINGS = {
  ack: { rates: [50, 200], seconds: QUICK ? 3 : 20 },
  approvalRounds: QUICK ? 5 : 40,
  expiry: { grants: QUICK ? 500 : 10_000, leadSeconds: QUICK ? 5 : 15, windowSeconds: QUICK ? 10 : 60, workerConcurrency: 4 },
  reconciler: { active: QUICK ? 10_000 : 100_000, historical: QUICK ? 100_000 : 1_000_000, passes: 5 },
  throughput: { concurrencies: [1, 2, 4], requesters: 12, seconds: QUICK ? 5 : 15, bareJobs: 5000 },
};
/**
 * Requests per user are limited by the app; the bench sends thousands from one user. BENCH_CPU_PROF=<dir>
 * writes a V8 CPU profile of each app process there when it exits.
 */
const APP_ENV = {
  REQUEST_RATE_LIMIT: '1000000',
  LOG_LEVEL: 'info',
  ...(process.env.BENCH_CPU_PROF && {
    NODE_OPTIONS: `--require ${path.join(__dirname, 'cpu-profile.cjs')}`,
    BENCH_CPU_PROF: path.resolve(process.env.BENCH_CPU_PROF),
  }),
};
const RESULTS_FILE = path.join(__dirname, '../bench-results/latest.json');

async function main(): Promise<void> {
  const started = Date.now();
  const databaseName = `prod_access_bench_${randomBytes(4).toString('hex')}`;
  process.env.DATABASE_URL = await createMigratedDatabase(databaseName);
  // Each harness copies this database for itself.
  process.env.TEST_TEMPLATE_DATABASE = databaseName;
  const results: Record<string, unknown> = {
    machine: await machine(),
    settings: SETTINGS,
    loadAverageBefore: loadavg().map((l) => round(l)),
  };
  try {
    const harness = await Harness.start({ role: 'none', env: APP_ENV });
    try {
      const app = await harness.spawn('all');
      const { ack, memory } = await benchAcknowledgement(harness, app, SETTINGS.ack);
      results.acknowledgement = ack;
      results.memory = memory;
      printTable(
        '1. Slash-command acknowledgement (ms; Slack allows 3000; target p99 < 50 at 200/s, ratio < 1.5)',
        ack.flatMap((a) => [
          { rate: `${a.rate}/s`, app: 'prod-access', ...a.ours, 'ratio p50': a.ratioP50, 'ratio p99': a.ratioP99 },
          { rate: `${a.rate}/s`, app: 'bare Bolt', ...a.bare, 'ratio p50': '', 'ratio p99': '' },
        ]),
      );
      const approval = await benchApproval(harness, SETTINGS.approvalRounds);
      results.approval = approval;
      printTable(`2. Approve → access works (ms, ${approval.rounds} rounds; target: p99 overhead < 250)`, [
        { path: 'Approve click → developer can query', ...approval.approveToAccess },
        { path: 'provider grant call alone', ...approval.providerGrantAlone },
        { path: 'ratio / overhead', p50: approval.ratioP50, p99: approval.ratioP99, max: `+${approval.overheadP99Ms} ms at p99` },
      ]);
      const expiry = await benchExpiry(harness, SETTINGS.expiry);
      results.expiry = expiry;
      printTable(
        `3. Expiry lateness (ms; ${expiry.grants} grants over ${expiry.windowSeconds} s, worker concurrency ${expiry.workerConcurrency}; target p99 < 1000)`,
        [
          { jobs: 'prod-access revokes', done: expiry.revoked, ...expiry.ours },
          { jobs: 'bare BullMQ delayed no-ops', ...expiry.bare },
          { jobs: 'ratio', p50: expiry.ratioP50, p99: expiry.ratioP99 },
        ],
      );
    } finally {
      await harness.stop();
    }
    const reconciler = await benchReconciler(`${databaseName}_reconcile`, SETTINGS.reconciler);
    results.reconciler = reconciler;
    printTable(
      `4. Reconciler pass (${reconciler.active} active, ${reconciler.historical} historical; seeded in ${reconciler.seedSeconds} s)`,
      [
        {
          'first pass ms': reconciler.firstPassMs,
          'later passes p50 ms': reconciler.laterPassesMs.p50,
          'later max ms': reconciler.laterPassesMs.max,
          'revokes ensured / pass': reconciler.revokesEnsuredPerPass,
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
    const throughput: ThroughputResult[] = [];
    for (const workerConcurrency of SETTINGS.throughput.concurrencies) {
      throughput.push(await benchThroughput({ ...SETTINGS.throughput, workerConcurrency, env: APP_ENV }));
    }
    results.throughput = throughput;
    printTable(
      '5. Full lifecycles (request → approve → grant → revoke) per second',
      throughput.map((t) => ({
        'worker concurrency': t.workerConcurrency,
        lifecycles: t.lifecycles,
        seconds: t.seconds,
        'lifecycles/s': t.lifecyclesPerSecond,
        'bare BullMQ jobs/s': t.bareJobsPerSecond,
        'bare jobs per lifecycle': round(t.bareJobsPerSecond / t.lifecyclesPerSecond, 0),
      })),
    );
    const { memory } = results as { memory: { idleMiB: number; peakUnderLoadMiB: number } };
    printTable('6. Resident memory of the `all` process (MiB)', [{ idle: memory.idleMiB, 'peak under load (1)': memory.peakUnderLoadMiB }]);
  } finally {
    await dropDatabase(databaseName);
    results.loadAverageAfter = loadavg().map((l) => round(l));
    results.totalSeconds = round((Date.now() - started) / 1000, 1);
    mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nWritten to ${path.relative(process.cwd(), RESULTS_FILE)} (${results.totalSeconds} s in all)`);
  }
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
