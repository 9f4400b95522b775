import type { AccessReviews } from '../app/ports';
import type { ApprovalCount, GrantFacts, HolderTotals, ReportFacts, ReportWindow } from '../domain/access-report';
import type { AuditAction } from '../domain/request';
import { Prisma } from '../generated/prisma/client';
import type { Logger } from '../shared/logger';
import type { AuditChain } from './audit-chain';
import { AuditedTransactions } from './audited-transaction';
import type { Db } from './client';

const DIGEST_ACTION: AuditAction = 'access_digest';

/**
 * The access review's read model: three aggregate queries over one window, summed up by PostgreSQL, never
 * a query per request. A request is in the window when it was made or granted in it; its grant counts when
 * it began in it, for as long as it held (ended; revoke failing: until now; live: until now or its expiry).
 */
export class PrismaAccessReport implements Pick<AccessReviews, 'read'> {
  constructor(protected readonly db: Db) {}

  async read(window: ReportWindow, now: Date): Promise<ReportFacts> {
    const [holders, approvals, grants] = await Promise.all([
      this.db.$queryRaw<HolderTotals[]>`${scoped(window, now)}
        SELECT resource_id AS "resourceId", level, requester_id AS "requesterId",
               count(*) FILTER (WHERE asked)::int AS requests,
               count(*) FILTER (WHERE granted)::int AS grants,
               coalesce(sum(held_seconds) FILTER (WHERE granted), 0)::float8 AS "heldSeconds",
               count(*) FILTER (WHERE granted AND break_glass)::int AS "breakGlass",
               count(*) FILTER (WHERE granted AND EXISTS (
                 SELECT 1 FROM audit_events e WHERE e.request_id = scoped.id AND e.action = 'revoke_failed'))::int AS "failedRevokes"
          FROM scoped GROUP BY resource_id, level, requester_id`,
      this.db.$queryRaw<ApprovalCount[]>`${scoped(window, now)}
        SELECT s.resource_id AS "resourceId", s.level, s.requester_id AS "requesterId", d.user_id AS "approverId",
               count(*)::int AS approvals
          FROM scoped s JOIN decisions d ON d.request_id = s.id AND d.kind = 'APPROVE'
         GROUP BY s.resource_id, s.level, s.requester_id, d.user_id`,
      this.db.$queryRaw<GrantFacts[]>`${scoped(window, now)}
        SELECT id AS "requestId", resource_id AS "resourceId", level, requester_id AS "requesterId",
               granted_at AS "grantedAt", held_seconds::float8 AS "heldSeconds"
          FROM scoped WHERE granted ORDER BY granted_at, id`,
    ]);
    return { holders, approvals, grants };
  }
}

/** The reviews the workers make: the report, and each window's digest, recorded once in the audit log. */
export class PrismaAccessReviews extends PrismaAccessReport implements AccessReviews {
  private readonly audited: AuditedTransactions;

  constructor(db: Db, chain: AuditChain, logger: Logger) {
    super(db);
    this.audited = new AuditedTransactions(db, chain, logger);
  }

  /** Once per window however many workers run it: the check and the row are under the audit chain's lock. */
  recordDigest({ from, to }: ReportWindow, summary: string): Promise<bigint | null> {
    const entry = { actor: 'system', action: DIGEST_ACTION, detail: { from: from.toISOString(), to: to.toISOString(), summary } };
    return this.audited.run((_tx, chain) =>
      chain.appendOnce(entry, async (locked) => {
        // A window's digest is written after its end, so the `at` index finds it.
        const found = await locked.$queryRaw<unknown[]>`
          SELECT 1 FROM audit_events WHERE at >= ${to} AND action = ${DIGEST_ACTION} AND detail->>'to' = ${to.toISOString()} LIMIT 1`;
        return found.length > 0;
      }),
    );
  }
}

/** The requests of the window, with whether each was asked and granted in it and how long its grant held. */
function scoped({ from, to, resourceId }: ReportWindow, now: Date): Prisma.Sql {
  return Prisma.sql`WITH scoped AS (
    SELECT r.id, r.resource_id, r.level, r.requester_id, r.break_glass, r.granted_at,
           r.created_at >= ${from} AND r.created_at < ${to} AS asked,
           coalesce(r.granted_at >= ${from} AND r.granted_at < ${to}, false) AS granted,
           greatest(0, extract(epoch FROM coalesce(
             r.ended_at,
             CASE WHEN r.status = 'REVOKE_FAILED' THEN ${now}::timestamp ELSE least(${now}::timestamp, r.expires_at) END
           ) - r.granted_at)) AS held_seconds
      FROM access_requests r
     WHERE ((r.created_at >= ${from} AND r.created_at < ${to}) OR (r.granted_at >= ${from} AND r.granted_at < ${to}))
       AND (${resourceId}::text IS NULL OR r.resource_id = ${resourceId})
  )`;
}
