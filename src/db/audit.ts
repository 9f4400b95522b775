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
