import { UserError } from './errors';
import type { AuditAction } from './request';

/** The chain head as posted outside the database: the last event's id, how many events there are, its hash. */
export interface Anchor {
  id: bigint;
  count: number;
  hash: string;
}

export const ANCHOR_ACTION: AuditAction = 'audit_anchored';

/** The anchor as the audit channel shows it and `audit verify --anchor` takes it. */
export function formatAnchor(anchor: Anchor): string {
  return `${anchor.id}:${anchor.count}:${anchor.hash}`;
}

export function parseAnchor(text: string): Anchor {
  const match = /^(\d{1,19}):(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  if (!match) throw new UserError('INVALID_COMMAND', '--anchor takes <id>:<count>:<hash>, as posted in the audit channel');
  return { id: BigInt(match[1]!), count: Number(match[2]), hash: match[3]! };
}
