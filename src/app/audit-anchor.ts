import { type Anchor, formatAnchor } from '../db/audit-chain';
import type { RequestRepository } from '../db/requests';
import type { Announcements } from './ports';

export interface AuditAnchorDeps {
  requests: Pick<RequestRepository, 'anchorAudit'>;
  announcements: Pick<Announcements, 'audited'>;
}

/**
 * Records the audit chain's head as an event and posts it in the audit channel, outside the database's
 * reach: `audit verify --anchor` then tells a removed tail or a truncation. Run at an interval and on demand.
 */
export function anchorAuditChain(deps: AuditAnchorDeps) {
  return async (): Promise<{ anchor: Anchor; text: string; eventId: bigint } | null> => {
    const anchored = await deps.requests.anchorAudit();
    if (!anchored) return null;
    await deps.announcements.audited([anchored.eventId]);
    return { ...anchored, text: formatAnchor(anchored.anchor) };
  };
}
