import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobQueues } from '../../src/jobs/queues';
import { createLogger } from '../../src/shared/logger';
import { SERVER_URL, withClient } from '../../test/support/databases';
import type { Harness } from '../../test/support/harness';
import { type OpCounts, type PerOperation, perOperation } from '../counts';
import { inParallel } from '../load';
import type { Deployment } from '../processes';
import { REDIS_URL, waitForIdleQueues, withBareQueue } from '../queues';
import type { BenchSlack } from '../slack';
import { ratio, type Summary, summarize } from '../stats';

export interface ExpiryResult {
  deployment: string;
  grants: number;
  windowSeconds: number;
  workerConcurrency: number;
  /** Revokes done by the deadline; the others count as late as they were then. */
  revoked: number;
  ours: Summary;
  ratioP50: number;
  ratioP99: number;
  /** What each revoke cost: the REVOKE and read-back, the row, its messages and audit line. */
  counts: PerOperation;
}

export interface ExpirySettings {
  grants: number;
  /** Time to seed and schedule before the first expiry. */
  leadSeconds: number;
  /** The expiries are spread evenly over this window. */
  windowSeconds: number;
  workerConcurrency: number;
}

/** Due times `stepMs` apart, the first `leadSeconds` from now. */
function dueTimes(settings: ExpirySettings): { firstDue: number; stepMs: number; deadline: number } {
  const firstDue = Date.now() + settings.leadSeconds * 1000;
  return {
    firstDue,
    stepMs: (settings.windowSeconds * 1000) / settings.grants,
    deadline: firstDue + settings.windowSeconds * 1000 + 60_000,
  };
}

/**
 * The floor, measured alone (no app process running): as many bare BullMQ delayed no-op jobs, with the same
 * due times, on a worker of the same concurrency in this process. `count` reads what this process sent.
 */
export async function expiryFloor(
  prefix: string,
  settings: ExpirySettings,
  count: () => OpCounts,
): Promise<{ summary: Summary; counts: PerOperation }> {
  const { firstDue, stepMs, deadline } = dueTimes(settings);
  const lateness: number[] = [];
  const before = count();
  await withBareQueue(prefix, settings.workerConcurrency, async (queue, startWorker) => {
    await queue.addBulk(
      Array.from({ length: settings.grants }, (_, i) => {
        const dueAt = firstDue + i * stepMs;
        return { name: 'noop', data: { dueAt }, opts: { delay: dueAt - Date.now() } };
      }),
    );
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, deadline - Date.now());
      startWorker(({ dueAt }) => {
        lateness.push(Date.now() - dueAt!);
        if (lateness.length === settings.grants) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  });
  return { summary: summarize(lateness), counts: perOperation(before, count(), settings.grants) };
}

/**
 * 3: `grants` ACTIVE requests, seeded in the database, each for its own PostgreSQL role (so every revoke
 * really runs REVOKE and reads the target back), their revoke jobs scheduled through the app's JobQueues;
 * the deployment's workers revoke them. Lateness is the 'expired' audit event's time minus `expiresAt`.
 * `run` names this run's roles, so runs on one harness stay apart.
 */
export async function benchExpiry(
  harness: Harness,
  slack: BenchSlack,
  deployment: Deployment,
  settings: ExpirySettings,
  floor: Summary,
  run: string,
): Promise<ExpiryResult> {
  const rolePrefix = `${harness.suffix}_e${run}`;
  const databaseUrl = harness.databaseUrl;
  await withClient(SERVER_URL, (db) =>
    db.query(
      `DO $$ BEGIN FOR i IN 1..${settings.grants} LOOP
         EXECUTE format('CREATE ROLE %I NOLOGIN IN ROLE %I', '${rolePrefix}' || i, '${harness.target.roles.read}');
       END LOOP; END $$`,
    ),
  );
  const redis = new Redis(REDIS_URL);
  const queues = new JobQueues(redis, harness.redisPrefix, createLogger({ level: 'silent', pretty: false }));
  try {
    const before = await deployment.counts(slack);
    const { firstDue, stepMs, deadline } = dueTimes(settings);
    const seeded = await withClient(databaseUrl, (db) =>
      db.query<{ id: number; due_ms: number }>(
        `INSERT INTO access_requests (requester_id, resource_id, level, target_identity, duration_seconds, reason, status,
           approvals_required, pending_expires_at, decided_at, granted_at, access_delivered_at, expires_at)
         SELECT $1, $2, 'read-only', $3 || i, 600, 'bench: expiry', 'ACTIVE', 1, now, now, now, now,
                to_timestamp(($4::float8 + (i - 1) * $5::float8) / 1000.0) AT TIME ZONE 'UTC'
           FROM generate_series(1, $6::int) AS i, (SELECT now() AT TIME ZONE 'UTC' AS now) AS t
         RETURNING id, (extract(epoch FROM expires_at) * 1000)::float8 AS due_ms`,
        [harness.users.dev, harness.resourceId, rolePrefix, firstDue, stepMs, settings.grants],
      ),
    );
    await inParallel(seeded.rows, 32, (row) => queues.revokeAt(row.id, new Date(row.due_ms)));
    const ours = await waitForExpired(databaseUrl, rolePrefix, settings.grants, deadline);
    await waitForIdleQueues(harness.redisPrefix);
    const counts = perOperation(before, await deployment.counts(slack), ours.done);
    const oursSummary = summarize(ours.latenessMs);
    return {
      deployment: deployment.label,
      grants: settings.grants,
      windowSeconds: settings.windowSeconds,
      workerConcurrency: settings.workerConcurrency,
      revoked: ours.done,
      ours: oursSummary,
      ratioP50: ratio(oursSummary.p50, floor.p50),
      ratioP99: ratio(oursSummary.p99, floor.p99),
      counts,
    };
  } finally {
    await queues.close();
    redis.disconnect();
    await withClient(SERVER_URL, (db) =>
      db.query(
        `DO $$ BEGIN FOR i IN 1..${settings.grants} LOOP EXECUTE format('DROP ROLE IF EXISTS %I', '${rolePrefix}' || i); END LOOP; END $$`,
      ),
    );
  }
}

/**
 * Lateness of each revoke, in ms, once all are done or the deadline passes; a revoke not done by then counts
 * as late as it is at that moment (a lower bound), so an overloaded worker cannot look punctual.
 */
async function waitForExpired(
  databaseUrl: string,
  rolePrefix: string,
  expected: number,
  deadline: number,
): Promise<{ latenessMs: number[]; done: number }> {
  return withClient(databaseUrl, async (db) => {
    const lateness = async () =>
      (
        await db.query<{ late_ms: number }>(
          `SELECT (extract(epoch FROM coalesce(e.at, now() AT TIME ZONE 'UTC') - r.expires_at) * 1000)::float8 AS late_ms
             FROM access_requests r LEFT JOIN audit_events e ON e.request_id = r.id AND e.action = 'expired'
            WHERE r.target_identity LIKE $1 || '%'`,
          [rolePrefix],
        )
      ).rows.map((r) => r.late_ms);
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM access_requests WHERE target_identity LIKE $1 || '%' AND status = 'EXPIRED'`,
        [rolePrefix],
      );
      const done = rows[0]!.n;
      if (done >= expected || Date.now() > deadline) return { latenessMs: await lateness(), done };
      await sleep(1000);
    }
  });
}
