import type { AccessRequestRecord, AuditEntry } from '../domain/request';
import type { Logger } from '../shared/logger';
import type { AppendedEvent, AuditChain } from './audit-chain';
import type { Db, Tx } from './client';

/** What an audit row's log line names of its request: the writer passes the request when it holds it, else its id. */
export type RequestRef = Pick<AccessRequestRecord, 'id' | 'resourceId' | 'level'>;

/**
 * The detail fields a log line carries: counts, codes and verdicts the app wrote itself. Reasons, comments
 * and error texts stay in the audit log and channel: people and drivers write them, and a log pipeline is
 * read by more people and kept longer than either.
 */
const LOGGED_DETAIL = ['approvals', 'required', 'verified', 'kept', 'code'] as const;

/**
 * Transactions that append audit rows. Each row is also one `audit event` log line at info, written once
 * its transaction has committed: a transaction rolled back (a lost compare-and-set, a failed insert, a
 * failed commit) logs nothing, so the logs never tell a step the audit log does not hold.
 */
export class AuditedTransactions {
  constructor(
    private readonly db: Db,
    private readonly chain: AuditChain,
    private readonly logger: Logger,
  ) {}

  async run<T>(work: (tx: Tx, audit: TransactionAudit) => Promise<T>): Promise<T> {
    let audit: TransactionAudit | undefined;
    const result = await this.db.$transaction((tx) => work(tx, (audit = new TransactionAudit(this.chain, tx))));
    await this.log(audit!);
    return result;
  }

  private async log({ appended, requests }: TransactionAudit): Promise<void> {
    const unknown = [...new Set(appended.flatMap((e) => (e.requestId === null || requests.has(e.requestId) ? [] : [e.requestId])))];
    if (unknown.length > 0) for (const request of await this.requestRefs(unknown)) requests.set(request.id, request);
    for (const event of appended) {
      const request = event.requestId === null ? undefined : requests.get(event.requestId);
      this.logger.info(auditLine(event, request), 'audit event');
    }
  }

  /** Read after the commit, outside its locks; the rows are written already, so a failed read only thins the lines. */
  private async requestRefs(ids: number[]): Promise<RequestRef[]> {
    try {
      return await this.db.accessRequest.findMany({ where: { id: { in: ids } }, select: { id: true, resourceId: true, level: true } });
    } catch (err) {
      this.logger.warn({ err, requestIds: ids }, 'audit event lines without their resource: the request could not be read');
      return [];
    }
  }
}

/** The audit chain within one transaction, collecting what it appends for the lines logged after the commit. */
export class TransactionAudit {
  readonly appended: AppendedEvent[] = [];
  readonly requests = new Map<number, RequestRef>();

  constructor(
    private readonly chain: AuditChain,
    private readonly tx: Tx,
  ) {}

  append(request: RequestRef | number | null, entry: AuditEntry): Promise<bigint> {
    if (typeof request === 'number' || request === null) return this.chain.append(this.tx, request, entry, this.appended);
    this.requests.set(request.id, request);
    return this.chain.append(this.tx, request.id, entry, this.appended);
  }

  appendOnce(entry: AuditEntry, exists: (tx: Tx) => Promise<boolean>): Promise<bigint | null> {
    return this.chain.appendOnce(this.tx, entry, exists, this.appended);
  }

  anchor() {
    return this.chain.anchor(this.tx, this.appended);
  }
}

/**
 * One audit row as a log line. The access level is `accessLevel`: `level` is the line's log level.
 * Ids as text, as the audit export writes them.
 */
function auditLine({ id, requestId, entry }: AppendedEvent, request: RequestRef | undefined) {
  const detail = Object.fromEntries(LOGGED_DETAIL.flatMap((key) => (entry.detail?.[key] === undefined ? [] : [[key, entry.detail[key]]])));
  return {
    auditEventId: id.toString(),
    requestId,
    action: entry.action,
    actor: entry.actor,
    resource: request?.resourceId ?? null,
    accessLevel: request?.level ?? null,
    ...(Object.keys(detail).length > 0 && { detail }),
  };
}
