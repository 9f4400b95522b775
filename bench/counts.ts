import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { round } from './stats';

// The counter itself is plain CommonJS, so an app process can preload it (see op-counts.cjs for what it counts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const counter = require('./op-counts.cjs') as { install(): void; snapshot(): OpCounts };

export interface OpCounts {
  dbStatements: number;
  providerStatements: number;
  redisCommands: number;
  redisRoundTrips: number;
  /** Web API calls the Slack stand-in answered, when it was asked too. */
  slackCalls?: number;
}

/** What one operation cost, averaged over a measurement: the columns printed next to its time. */
export type PerOperation = {
  'db stmts/op': number;
  'provider stmts/op': number;
  'redis cmds/op': number;
  'redis trips/op': number;
  'slack calls/op'?: number;
};

/** Where app processes write their counts when asked (SIGUSR2); give it to them as BENCH_COUNTS_DIR. */
export const COUNTS_DIR = mkdtempSync(path.join(tmpdir(), 'prod-access-bench-counts-'));
export const COUNTS_PRELOAD = path.join(__dirname, 'op-counts.cjs');

/** Counts what the bench process itself sends, for the floors it runs in this process. */
export function countThisProcess(): () => OpCounts {
  counter.install();
  return () => counter.snapshot();
}

/** The counts of app processes now, added up: each writes its own when signalled. */
export async function countsOf(pids: readonly number[]): Promise<OpCounts> {
  const each = await Promise.all(pids.map(countsOfProcess));
  return each.reduce(add, zero());
}

async function countsOfProcess(pid: number): Promise<OpCounts> {
  const file = path.join(COUNTS_DIR, `${pid}.json`);
  const read = () => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as OpCounts & { seq: number }) : undefined);
  const before = read()?.seq ?? 0;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = read();
    if (now && now.seq > before) return now;
    if (Date.now() > deadline) throw new Error(`process ${pid} did not write its counts`);
    await sleep(10);
  }
}

/** The counts between two readings, per operation. */
export function perOperation(before: OpCounts, after: OpCounts, operations: number): PerOperation {
  const per = (key: keyof OpCounts) => (operations > 0 ? round((after[key]! - before[key]!) / operations, 1) : NaN);
  return {
    'db stmts/op': per('dbStatements'),
    'provider stmts/op': per('providerStatements'),
    'redis cmds/op': per('redisCommands'),
    'redis trips/op': per('redisRoundTrips'),
    ...(before.slackCalls !== undefined && after.slackCalls !== undefined && { 'slack calls/op': per('slackCalls') }),
  };
}

/** Counts `work` through `read`, per operation it reports. */
export async function counted<T>(
  read: () => OpCounts | Promise<OpCounts>,
  work: () => Promise<T>,
  operations: (result: T) => number,
): Promise<{ result: T; counts: PerOperation }> {
  const before = await read();
  const result = await work();
  return { result, counts: perOperation(before, await read(), operations(result)) };
}

function zero(): OpCounts {
  return { dbStatements: 0, providerStatements: 0, redisCommands: 0, redisRoundTrips: 0 };
}

function add(a: OpCounts, b: OpCounts): OpCounts {
  return {
    dbStatements: a.dbStatements + b.dbStatements,
    providerStatements: a.providerStatements + b.providerStatements,
    redisCommands: a.redisCommands + b.redisCommands,
    redisRoundTrips: a.redisRoundTrips + b.redisRoundTrips,
  };
}
