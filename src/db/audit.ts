import type { Db } from './client';

export interface AuditRecord {
  id: bigint;
  at: Date;
  requestId: number | null;
  actor: string;
  action: string;
  detail: unknown;
}

export interface AuditQuery {
  requestId?: number;
  from?: Date;
  to?: Date;
}

export type ChainVerdict = { ok: true; rows: number } | { ok: false; rows: number; brokenAt: bigint; reason: string };

/** Reads the append-only audit log; rows are written only by RequestRepository, with the change they record. */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  isDelivered(id: bigint): Promise<boolean> {
    return this.db.auditDelivery.count({ where: { eventId: id } }).then((n) => n > 0);
  }

  async markDelivered(id: bigint): Promise<void> {
    await this.db.auditDelivery.createMany({ data: [{ eventId: id }], skipDuplicates: true });
  }

  /** Recent events not yet posted in the audit channel, older than `settle` (their own job may still run). */
  async undelivered(now: Date, settleMs: number, limit: number): Promise<bigint[]> {
    const rows = await this.db.$queryRaw<{ id: bigint }[]>`
      SELECT e.id FROM audit_events e
       WHERE e.at > ${new Date(now.getTime() - 7 * 24 * 3600_000)} AND e.at < ${new Date(now.getTime() - settleMs)}
         AND NOT EXISTS (SELECT 1 FROM audit_deliveries d WHERE d.event_id = e.id)
       ORDER BY e.id LIMIT ${limit}`;
    return rows.map((r) => r.id);
  }

  /** The details of recent events of one action, e.g. drifts already reported. */
  async recentDetails(action: string, since: Date): Promise<Record<string, unknown>[]> {
    const rows = await this.db.auditEvent.findMany({ where: { action, at: { gte: since } }, select: { detail: true } });
    return rows.map((r) => (r.detail ?? {}) as Record<string, unknown>);
  }

  get(id: bigint): Promise<AuditRecord | null> {
    return this.db.auditEvent.findUnique({ where: { id } });
  }

  /** Events in order, in pages, so a long range never loads at once. */
  async *list(query: AuditQuery, pageSize = 500): AsyncGenerator<AuditRecord> {
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
   * Recomputes the hash chain the database keeps (see the tamper_evident_audit migration) and reports the
   * first row whose hash or link to the previous row does not hold: an edited, deleted or inserted row.
   */
  async verifyChain(): Promise<ChainVerdict> {
    const [broken] = await this.db.$queryRaw<{ id: bigint; reason: string }[]>`
      SELECT id, CASE WHEN prev_hash <> coalesce(expected_prev, '') THEN 'its link to the previous row is broken (a row was removed or inserted before it)'
                      ELSE 'its content does not match its hash (the row was edited)' END AS reason
        FROM (SELECT id, prev_hash, hash, lag(hash) OVER (ORDER BY id) AS expected_prev,
                     audit_event_hash(prev_hash, id, at, request_id, actor, action, detail) AS expected_hash
                FROM audit_events) chain
       WHERE prev_hash <> coalesce(expected_prev, '') OR hash <> expected_hash
       ORDER BY id LIMIT 1`;
    const rows = await this.db.auditEvent.count();
    return broken ? { ok: false, rows, brokenAt: broken.id, reason: broken.reason } : { ok: true, rows };
  }
}
