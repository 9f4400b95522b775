import { PrismaPg } from '@prisma/adapter-pg';
import { Redis } from 'ioredis';
import { DEVELOPMENT_AUDIT_KEY } from '../../src/main/config';
import { PrismaClient } from '../../src/generated/prisma/client';
import { JobQueues } from '../../src/jobs/queues';
import { createLogger } from '../../src/shared/logger';
import { dropDatabase, withClient } from '../../test/support/databases';
import { createMigratedDatabase } from '../../test/support/global-setup';
import { clearRedis } from '../../test/support/harness';
import { reconcilePass } from '../../test/support/reconcile-pass';
import { type OpCounts, perOperation } from '../counts';
import { REDIS_URL } from '../queues';
import { round, summarize } from '../stats';

export interface QueryPlan {
  query: string;
  /** The plan's scan nodes on access_requests, e.g. "Index Scan using access_requests_status_expires_at_idx". */
  scans: string[];
  usesIndex: boolean;
  executionMs: number;
  plan: string;
}

export interface ReconcilerResult {
  active: number;
  historical: number;
  seedSeconds: number;
  firstPassMs: number;
  laterPassesMs: { p50: number; max: number; passes: number };
  revokesEnsuredPerPass: number;
  /** What one later pass sent: every statement this process sent to PostgreSQL (only the pass ran), Redis commands. */
  perPass: { 'db stmts': number; 'redis cmds': number; 'redis trips': number };
  plans: QueryPlan[];
}

/**
 * 4: one reconcile pass over `active` ACTIVE grants (expiring over the next day) and `historical` ended
 * requests, seeded with generate_series in a database of its own, through the app's own use-case,
 * repository and JobQueues; and the plans PostgreSQL uses for the queries that pass sends.
 */
export async function benchReconciler(
  databaseName: string,
  settings: { active: number; historical: number; passes: number },
  count: () => OpCounts,
) {
  const url = await createMigratedDatabase(databaseName);
  const prefix = `${databaseName}-queues`;
  const redis = new Redis(REDIS_URL);
  const captured: { query: string; params: string }[] = [];
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }), log: [{ emit: 'event', level: 'query' }] });
  db.$on('query', (event) => captured.push({ query: event.query, params: event.params }));
  const queues = new JobQueues(redis, prefix, createLogger({ level: 'silent', pretty: false }));
  try {
    const seedStart = performance.now();
    await withClient(url, async (pg) => {
      await pg.query(
        `INSERT INTO access_requests (requester_id, resource_id, level, target_identity, duration_seconds, reason, status,
           approvals_required, created_at, pending_expires_at, decided_at, granted_at, access_delivered_at, expires_at, ended_at)
         SELECT 'U' || (i % 5000), 'orders-db', 'read-only', 'user' || (i % 5000), 3600, 'bench: history',
                s.status, 1, at, at + interval '1 hour', at, g, g, g + interval '1 hour', CASE WHEN g IS NULL THEN NULL ELSE g + interval '50 minutes' END
           FROM generate_series(1, $1::int) AS i,
                LATERAL (SELECT (now() AT TIME ZONE 'UTC') - i * interval '30 seconds' AS at) AS t,
                LATERAL (SELECT (ARRAY['EXPIRED','REVOKED','DENIED','TIMED_OUT','EXPIRED']::"RequestStatus"[])[1 + i % 5] AS status) AS s,
                LATERAL (SELECT CASE WHEN s.status IN ('EXPIRED','REVOKED') THEN t.at + interval '1 minute' END AS g) AS granted`,
        [settings.historical],
      );
      await pg.query(
        `INSERT INTO access_requests (requester_id, resource_id, level, target_identity, duration_seconds, reason, status,
           approvals_required, pending_expires_at, decided_at, granted_at, access_delivered_at, expires_at)
         SELECT 'U' || (i % 5000), 'orders-db', 'read-only', 'user' || (i % 5000), 86400, 'bench: active', 'ACTIVE', 1,
                now, now, now, now, now + i * (interval '1 day' / $1::int)
           FROM generate_series(1, $1::int) AS i, (SELECT now() AT TIME ZONE 'UTC' AS now) AS t`,
        [settings.active],
      );
      await pg.query('ANALYZE access_requests');
    });
    const seedSeconds = round((performance.now() - seedStart) / 1000, 1);
    const pass = reconcilePass(db, queues, { auditKey: DEVELOPMENT_AUDIT_KEY, intervalSeconds: 30 });
    const timings: number[] = [];
    let revokesEnsuredPerPass = 0;
    let afterFirst = count();
    for (let i = 0; i < settings.passes; i++) {
      captured.length = 0;
      const start = performance.now();
      revokesEnsuredPerPass = (await pass()).revokesEnsured;
      timings.push(performance.now() - start);
      if (i === 0) afterFirst = count();
    }
    const later = perOperation(afterFirst, count(), settings.passes - 1);
    const plans = await withClient(url, (pg) =>
      Promise.all(captured.filter((c) => c.query.includes('"access_requests"')).map((c) => explain(pg, c.query, JSON.parse(c.params)))),
    );
    const laterTimings = summarize(timings.slice(1));
    return {
      active: settings.active,
      historical: settings.historical,
      seedSeconds,
      firstPassMs: round(timings[0]!),
      laterPassesMs: { p50: laterTimings.p50, max: laterTimings.max, passes: laterTimings.count },
      revokesEnsuredPerPass,
      perPass: {
        'db stmts': round(later['db stmts/op'] + later['provider stmts/op'], 1),
        'redis cmds': later['redis cmds/op'],
        'redis trips': later['redis trips/op'],
      },
      plans,
    } satisfies ReconcilerResult;
  } finally {
    await queues.close();
    await db.$disconnect();
    redis.disconnect();
    await clearRedis(prefix);
    await dropDatabase(databaseName);
  }
}

async function explain(pg: Parameters<Parameters<typeof withClient>[1]>[0], query: string, params: unknown[]): Promise<QueryPlan> {
  const { rows } = await pg.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query}`, params);
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  const scans = plan.match(/(Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan)[^(]*access_requests[^(]*/g) ?? [];
  return {
    query: query.replace(/\s+/g, ' '),
    scans: scans.map((s) => s.trim()),
    usesIndex: scans.length > 0 && scans.every((s) => !s.startsWith('Seq Scan')),
    executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN),
    plan,
  };
}
