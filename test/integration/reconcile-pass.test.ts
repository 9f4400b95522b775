import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { PrismaPg } from '@prisma/adapter-pg';
import { Redis } from 'ioredis';
import { PrismaClient } from '../../src/generated/prisma/client';
import { JobQueues } from '../../src/jobs/queues';
import { createLogger } from '../../src/shared/logger';
import { AUDIT_KEY, copyDatabase, databaseUrl, dropDatabase, withClient } from '../support/databases';
import { clearRedis } from '../support/harness';
import { reconcilePass } from '../support/reconcile-pass';
import { REDIS_URL } from '../support/redis';

const INTERVAL_SECONDS = 30;

interface PassCost {
  owed: number;
  queries: number;
  redisRoundTrips: number;
}

/**
 * Seeds `each` requests of every kind a pass finds owed (a grant job, an overdue revoke, a revoke about to
 * fall due, a lagging approval message, an untold final notice, an undelivered access DM, a secret still in
 * a DM) in a database and a Redis prefix of their own, then counts what two passes send: the first finds
 * every job missing, the second finds each one waiting.
 */
async function costOfPasses(each: number): Promise<[PassCost, PassCost]> {
  const name = `${process.env.TEST_DATABASE ?? 'prod_access_test'}_pass_${each}`;
  await dropDatabase(name);
  await copyDatabase(process.env.TEST_TEMPLATE_DATABASE!, name);
  const url = databaseUrl(name);
  const prefix = `pa-test-pass-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }), log: [{ emit: 'event', level: 'query' }] });
  const queues = new JobQueues(redis, prefix, createLogger({ level: 'silent', pretty: false }));
  try {
    await withClient(url, (pg) =>
      pg.query(
        `INSERT INTO access_requests (requester_id, resource_id, level, target_identity, duration_seconds, reason, status,
           approvals_required, created_at, pending_expires_at, decided_at, granted_at, expires_at, ended_at,
           access_delivered_at, message_status, notified_status, secret_dm_channel, secret_dm_ts)
         SELECT 'U1', 'orders-db', 'read-only', 'alice', 3600, 'pass cost', k.status::"RequestStatus", 1,
                t.now - interval '1 hour', t.now - interval '1 hour', t.now - interval '1 hour', k.granted, k.expires, k.ended,
                k.delivered, k.shown::"RequestStatus", k.told::"RequestStatus", k.dm, k.dm
           FROM generate_series(1, $1::int) AS i,
                LATERAL (SELECT now() AT TIME ZONE 'UTC' AS now) AS t,
                LATERAL (VALUES
                  ('APPROVED', NULL, NULL, NULL, NULL, 'APPROVED', NULL, NULL),
                  ('ACTIVE', t.now - interval '1 hour', t.now - interval '1 minute', NULL, t.now, 'ACTIVE', NULL, NULL),
                  ('ACTIVE', t.now - interval '1 hour', t.now + interval '30 seconds', NULL, t.now, 'ACTIVE', NULL, NULL),
                  ('ACTIVE', t.now - interval '1 hour', t.now + interval '1 day', NULL, t.now, 'PENDING', NULL, NULL),
                  ('DENIED', NULL, NULL, NULL, NULL, 'DENIED', NULL, NULL),
                  ('ACTIVE', t.now - interval '1 hour', t.now + interval '1 day', NULL, NULL, 'ACTIVE', NULL, NULL),
                  ('EXPIRED', t.now - interval '2 hours', t.now - interval '1 hour', t.now - interval '1 hour', t.now, 'EXPIRED', 'EXPIRED', 'D1.' || i)
                ) AS k(status, granted, expires, ended, delivered, shown, told, dm)`,
        [each],
      ),
    );
    const pass = reconcilePass(db, queues, { auditKey: AUDIT_KEY, intervalSeconds: INTERVAL_SECONDS });
    let queries = 0;
    db.$on('query', () => queries++);
    // A round trip is one write of commands to the socket: a pipeline or MULTI is one, each lone command another.
    await redis.ping();
    const socket = (redis as unknown as { stream: Socket }).stream;
    let redisRoundTrips = 0;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((...args: unknown[]) => {
      redisRoundTrips++;
      return write(...args);
    }) as typeof socket.write;
    const costs: PassCost[] = [];
    for (let i = 0; i < 2; i++) {
      queries = redisRoundTrips = 0;
      const report = await pass();
      costs.push({
        owed: report.grantsRequeued + report.revokesDue + report.revokesEnsured + report.slackResent,
        queries,
        redisRoundTrips,
      });
    }
    const counts = await Promise.all(Object.values(queues.queues).map((q) => q.getJobCounts('waiting', 'delayed')));
    const queued = counts.reduce((sum, c) => sum + c.waiting! + c.delayed!, 0);
    // Each owed job is in the queue once, however many passes asked for it.
    expect(queued).toBe(7 * each);
    return costs as [PassCost, PassCost];
  } finally {
    await queues.close();
    await db.$disconnect();
    redis.disconnect();
    await clearRedis(prefix);
    await dropDatabase(name);
  }
}

describe('a reconcile pass', () => {
  test('costs the same queries and Redis round trips whether it finds 2 or 200 of each kind of job owed', async () => {
    const [fewFirst, fewSecond] = await costOfPasses(2);
    const [manyFirst, manySecond] = await costOfPasses(200);
    expect(fewFirst.owed).toBe(7 * 2);
    expect(manyFirst.owed).toBe(7 * 200);
    expect(manySecond.owed).toBe(7 * 200);
    expect(manyFirst).toEqual({ ...fewFirst, owed: manyFirst.owed });
    expect(manySecond).toEqual({ ...fewSecond, owed: manySecond.owed });
  });
});
