import { createHash, createHmac } from 'node:crypto';
import { type Anchor, ANCHOR_ACTION, formatAnchor } from '../domain/audit-anchor';
import type { AuditEntry } from '../domain/request';
import { StartupError } from '../domain/errors';
import type { Prisma } from '../generated/prisma/client';
import type { AuditEventRecord } from '../domain/audit-lines';
import type { Tx } from './client';

/**
 * How a row's hash was made. 1: the SQL trigger's SHA-256 over `concat_ws('|', …)`, no key (rows written
 * before the keyed_audit_chain migration; `|` inside a field is ambiguous). 2: an HMAC-SHA256 computed here,
 * with a key the database never sees, over a length-prefixed encoding of the fields.
 */
export const LEGACY_SCHEME = 1;
export const KEYED_SCHEME = 2;

/** The fields a row's hash covers, as they are stored. */
export type ChainedFields = AuditEventRecord & { prevHash: string };

/** A row as it was appended, for the log line its transaction writes once it has committed (db/audited-transaction.ts). */
export interface AppendedEvent {
  id: bigint;
  requestId: number | null;
  entry: AuditEntry;
}

/** The smallest key accepted: 32 bytes of a random hex or base64 string. */
export const MIN_KEY_LENGTH = 32;

/**
 * Appends audit rows to the chain and recomputes their hashes. The key is an environment secret: the
 * database, and whoever owns it, only ever sees the hashes it produces.
 */
export class AuditChain {
  readonly #key: Buffer;

  constructor(key: string) {
    if (key.length < MIN_KEY_LENGTH)
      throw new StartupError('CONFIG_INVALID', `the audit key must be at least ${MIN_KEY_LENGTH} characters`);
    this.#key = Buffer.from(key, 'utf8');
  }

  /** The keyed hash of a row: HMAC-SHA256 over each field with its length in front, so no two rows encode alike. */
  hash(row: ChainedFields): string {
    const fields = [
      'prod-access audit v2',
      row.prevHash,
      row.id.toString(),
      row.at.toISOString(),
      row.requestId === null ? null : String(row.requestId),
      row.actor,
      row.action,
      canonicalJson(row.detail),
    ];
    return createHmac('sha256', this.#key).update(lengthPrefixed(fields)).digest('hex');
  }

  /**
   * Appends one row inside the caller's transaction. The lock makes the chain one total order: each writer
   * reads the last row only once the previous writer committed, and takes its id under the same lock, so id
   * order is chain order whatever order transactions started in. The row is added to `appended`.
   */
  async append(tx: Tx, requestId: number | null, entry: AuditEntry, appended: AppendedEvent[]): Promise<bigint> {
    const head = await lockHead(tx);
    const row = {
      id: head.nextId,
      at: new Date(),
      requestId,
      actor: entry.actor,
      action: entry.action,
      // As PostgreSQL will store it (undefined fields gone, dates as text), so the hash covers what is kept.
      detail: JSON.parse(JSON.stringify(entry.detail ?? {})) as Prisma.InputJsonValue,
      prevHash: head.last?.hash ?? '',
    };
    await tx.auditEvent.create({ data: { ...row, hash: this.hash(row), hashScheme: KEYED_SCHEME } });
    appended.push({ id: row.id, requestId, entry });
    return row.id;
  }

  /**
   * Appends a row not tied to a request unless `exists` finds it there already, read under the chain's lock:
   * a compare-and-set for a row written once (the access digest of a window).
   */
  async appendOnce(tx: Tx, entry: AuditEntry, exists: (tx: Tx) => Promise<boolean>, appended: AppendedEvent[]): Promise<bigint | null> {
    await lockChain(tx);
    return (await exists(tx)) ? null : this.append(tx, null, entry, appended);
  }

  /**
   * Appends an `audit_anchored` row naming the chain head before it, for the audit channel; null when the
   * last row is already an anchor (nothing happened since).
   */
  async anchor(tx: Tx, appended: AppendedEvent[]): Promise<{ anchor: Anchor; eventId: bigint } | null> {
    const head = await lockHead(tx);
    if (!head.last || head.last.action === ANCHOR_ACTION) return null;
    const [{ count }] = (await tx.$queryRaw<{ count: bigint }[]>`SELECT count(*) AS count FROM audit_events`) as [{ count: bigint }];
    const anchor = { id: head.last.id, count: Number(count), hash: head.last.hash };
    const entry = { actor: 'system', action: ANCHOR_ACTION, detail: { anchor: formatAnchor(anchor) } } as const;
    const eventId = await this.append(tx, null, entry, appended);
    return { anchor, eventId };
  }
}

/**
 * The lock audit_chain_head_locked() takes, for a read that must come before a row is appended (appendOnce):
 * held until the transaction ends; taken again by the same transaction, it is still one lock.
 */
async function lockChain(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('prod_access.audit_events_chain'))`;
}

async function lockHead(tx: Tx): Promise<{ nextId: bigint; last?: { id: bigint; hash: string; action: string } }> {
  // The advisory lock that serializes chain writers across every connection and process (held until the
  // writer's transaction ends), then the head and the next id, in one round trip: every round trip made under
  // the lock is paid by every writer waiting for it. The function (the audit_chain_head_in_one_trip migration)
  // reads after the lock is granted; with no row yet, it still gives the id.
  const [head] = (await tx.$queryRaw<HeadRow[]>`SELECT "nextId", id, hash, action FROM audit_chain_head_locked()`) as [HeadRow];
  return { nextId: head.nextId, last: head.id === null ? undefined : { id: head.id, hash: head.hash!, action: head.action! } };
}

/** The next id, and the last row's fields (null when there is none). */
interface HeadRow {
  nextId: bigint;
  id: bigint | null;
  hash: string | null;
  action: string | null;
}

/** The trigger's hash of rows written before the keyed scheme, recomputed here from the stored text of `detail`. */
export function legacyHash(row: ChainedFields, detailText: string): string {
  // to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.US') of a timestamp(3) column.
  const at = `${row.at.toISOString().slice(0, 23)}000`;
  const text = [
    row.prevHash,
    row.id.toString(),
    at,
    row.requestId === null ? '' : String(row.requestId),
    row.actor,
    row.action,
    detailText,
  ].join('|');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Each field as `<byte length>:<bytes>`, a missing one as `-`: the fields can be read back one way only. */
export function lengthPrefixed(fields: readonly (string | null)[]): Buffer {
  return Buffer.concat(
    fields.map((field) =>
      field === null ? Buffer.from('-') : Buffer.concat([Buffer.from(`${Buffer.byteLength(field)}:`), Buffer.from(field)]),
    ),
  );
}

/** JSON with object keys sorted at every level: jsonb keeps its own key order, so the hash must not depend on one. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
