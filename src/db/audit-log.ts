import type { AuditLog } from '../app/ports';
import type { Anchor } from '../domain/audit-anchor';
import type { ExportedAuditEvent } from '../domain/audit-export';
import type { AuditEventRecord } from '../domain/audit-lines';
import { SLACK_CATCH_UP_MS } from '../domain/request';
import { type AuditChain, type ChainedFields, KEYED_SCHEME, LEGACY_SCHEME, legacyHash } from './audit-chain';
import type { Db } from './client';

export interface AuditQuery {
  requestId?: number;
  from?: Date;
  to?: Date;
}

/** `legacy`: how many of the rows, all at the start, carry the unkeyed hash of before the keyed_audit_chain migration. */
export type ChainVerdict = { ok: true; rows: number; legacy: number } | { ok: false; rows: number; brokenAt: bigint; reason: string };

/** Reads the append-only audit log; rows are written only by PrismaRequestStore, with the change they record. */
export class PrismaAuditLog implements AuditLog {
  constructor(private readonly db: Db) {}

  /**
   * Takes the audit channel for `holder` until `until`, unless another holder's lease still runs; returns
   * when the channel was last posted to, or null when it is taken.
   */
  async acquireChannel(holder: string, now: Date, until: Date): Promise<{ lastPostedAt: Date | null } | null> {
    const [row] = await this.db.$queryRaw<{ last_posted_at: Date | null }[]>`
      UPDATE audit_channel SET lease_holder = ${holder}, lease_until = ${until}
       WHERE id = 1 AND (lease_until IS NULL OR lease_until < ${now} OR lease_holder = ${holder})
       RETURNING last_posted_at`;
    return row ? { lastPostedAt: row.last_posted_at } : null;
  }

  async releaseChannel(holder: string): Promise<void> {
    await this.db.$executeRaw`UPDATE audit_channel SET lease_holder = NULL, lease_until = NULL WHERE id = 1 AND lease_holder = ${holder}`;
  }

  /** Records one message posted: the events it carried are delivered, and the lease runs on. */
  async markPosted(holder: string, eventIds: readonly bigint[], postedAt: Date, leaseUntil: Date): Promise<void> {
    await this.db.$transaction([
      this.db.auditDelivery.createMany({ data: eventIds.map((eventId) => ({ eventId, postedAt })), skipDuplicates: true }),
      this.db.auditChannel.updateMany({ where: { id: 1, leaseHolder: holder }, data: { lastPostedAt: postedAt, leaseUntil } }),
    ]);
  }

  /**
   * Recent events not yet in the audit channel that may be posted now, in id order: a refusal waits while
   * the same person's refusals of the same request had a line within `refusalWindowMs`.
   */
  async postable(now: Date, refusalWindowMs: number, limit: number): Promise<AuditEventRecord[]> {
    return this.db.$queryRaw<AuditEventRecord[]>`
      SELECT e.id, e.at, e.request_id AS "requestId", e.actor, e.action, e.detail FROM audit_events e
       WHERE e.at > ${new Date(now.getTime() - SLACK_CATCH_UP_MS)}
         AND NOT EXISTS (SELECT 1 FROM audit_deliveries d WHERE d.event_id = e.id)
         AND NOT (e.action = 'refused' AND EXISTS (
               SELECT 1 FROM audit_events r JOIN audit_deliveries d ON d.event_id = r.id
                WHERE r.action = 'refused' AND r.request_id = e.request_id AND r.actor = e.actor
                  AND d.posted_at > ${new Date(now.getTime() - refusalWindowMs)}))
       ORDER BY e.id LIMIT ${limit}`;
  }

  /** Recent events not yet posted in the audit channel, older than `settle` (their own job may still run). */
  async undelivered(now: Date, settleMs: number, limit: number): Promise<bigint[]> {
    const rows = await this.db.$queryRaw<{ id: bigint }[]>`
      SELECT e.id FROM audit_events e
       WHERE e.at > ${new Date(now.getTime() - SLACK_CATCH_UP_MS)} AND e.at < ${new Date(now.getTime() - settleMs)}
         AND NOT EXISTS (SELECT 1 FROM audit_deliveries d WHERE d.event_id = e.id)
       ORDER BY e.id LIMIT ${limit}`;
    return rows.map((r) => r.id);
  }

  /** The details of recent events of one action, e.g. drifts already reported. */
  async recentDetails(action: string, since: Date): Promise<Record<string, unknown>[]> {
    const rows = await this.db.auditEvent.findMany({ where: { action, at: { gte: since } }, select: { detail: true } });
    return rows.map((r) => (r.detail ?? {}) as Record<string, unknown>);
  }

  get(id: bigint): Promise<AuditEventRecord | null> {
    return this.db.auditEvent.findUnique({ where: { id } });
  }

  /** Events in order, in pages, so a long range never loads at once. */
  async *list(query: AuditQuery, pageSize = 500): AsyncGenerator<AuditEventRecord> {
    let after = -1n;
    for (;;) {
      const page = await this.db.auditEvent.findMany({
        where: { id: { gt: after }, requestId: query.requestId, at: { gte: query.from, lt: query.to } },
        orderBy: { id: 'asc' },
        take: pageSize,
      });
      yield* page;
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.id;
    }
  }

  /**
   * Events in id order with their chain fields and their request's resource, level and identity, joined in
   * each page's one query, so an export of any size holds one page at a time.
   */
  async *exportable(query: AuditQuery, pageSize = 500): AsyncGenerator<ExportedAuditEvent> {
    const requestId = query.requestId ?? null;
    // As UTC text: `at` is a timestamp without time zone, holding UTC.
    const from = query.from?.toISOString() ?? null;
    const to = query.to?.toISOString() ?? null;
    for (let after = -1n; ;) {
      const page = await this.db.$queryRaw<ExportedAuditEvent[]>`
        SELECT e.id, e.at, e.request_id AS "requestId", e.actor, e.action, e.detail, e.hash, e.prev_hash AS "prevHash",
               CASE WHEN r.id IS NULL THEN NULL
                    ELSE jsonb_build_object('resourceId', r.resource_id, 'level', r.level, 'identity', r.target_identity) END AS request
          FROM audit_events e LEFT JOIN access_requests r ON r.id = e.request_id
         WHERE e.id > ${after}
           AND (${requestId}::int IS NULL OR e.request_id = ${requestId}::int)
           AND (${from}::timestamptz IS NULL OR e.at >= ${from}::timestamptz AT TIME ZONE 'UTC')
           AND (${to}::timestamptz IS NULL OR e.at < ${to}::timestamptz AT TIME ZONE 'UTC')
         ORDER BY e.id LIMIT ${pageSize}`;
      yield* page;
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.id;
    }
  }

  /**
   * Walks the chain in order, recomputing each row's hash (keyed rows with the key, legacy rows with the old
   * SQL scheme) and its link to the previous row, and reports the first that does not hold: an edited,
   * removed or inserted row. Given an anchor (the head as posted in the audit channel), the anchored row
   * must still be there with its hash and the count of rows up to it: a removed tail or a truncation.
   */
  async verifyChain(chain: AuditChain, anchor?: Anchor, pageSize = 1000): Promise<ChainVerdict> {
    let prevHash = '';
    let rows = 0;
    let legacy = 0;
    let anchored = false;
    const broken = (brokenAt: bigint, reason: string): ChainVerdict => ({ ok: false, rows, brokenAt, reason });
    for (let after = -1n; ;) {
      const page = await this.db.$queryRaw<(ChainedFields & { hash: string; hashScheme: number; detailText: string })[]>`
        SELECT id, at, request_id AS "requestId", actor, action, detail, detail::text AS "detailText",
               prev_hash AS "prevHash", hash, hash_scheme AS "hashScheme"
          FROM audit_events WHERE id > ${after} ORDER BY id LIMIT ${pageSize}`;
      for (const row of page) {
        rows++;
        if (row.prevHash !== prevHash)
          return broken(row.id, 'its link to the previous row is broken (a row was removed or inserted before it)');
        if (row.hashScheme === LEGACY_SCHEME) {
          if (legacy++ !== rows - 1)
            return broken(row.id, 'it claims the unkeyed legacy hash after the keyed chain began (re-chained without the key)');
          if (row.hash !== legacyHash(row, row.detailText))
            return broken(row.id, 'its content does not match its hash (the row was edited)');
        } else if (row.hashScheme !== KEYED_SCHEME || row.hash !== chain.hash(row)) {
          return broken(row.id, 'its content does not match its keyed hash (the row was edited, or re-chained without the key)');
        }
        if (anchor && row.id === anchor.id) {
          anchored = true;
          if (row.hash !== anchor.hash || rows !== anchor.count)
            return broken(row.id, `it is not the anchored head (${rows} events up to it, hash ${row.hash.slice(0, 12)}…)`);
        }
        prevHash = row.hash;
      }
      if (page.length < pageSize) break;
      after = page[page.length - 1]!.id;
    }
    if (anchor && !anchored) return broken(anchor.id, 'the anchored event is missing (the tail was removed or the log truncated)');
    return { ok: true, rows, legacy };
  }

  /** Whether the role this process logs in as could rewrite the audit log: its owner, a superuser, or one allowed to change rows. */
  async canRewrite(): Promise<boolean> {
    const [answer] = await this.db.$queryRaw<{ can: boolean }[]>`
      SELECT r.rolsuper OR pg_has_role(current_user, c.relowner, 'USAGE')
             OR has_table_privilege('audit_events', 'UPDATE, DELETE, TRUNCATE') AS can
        FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'audit_events'::regclass`;
    return answer?.can ?? true;
  }
}
