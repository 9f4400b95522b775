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
}
