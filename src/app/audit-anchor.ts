import { type Anchor, formatAnchor } from '../domain/audit-anchor';
import type { Announcements, RequestStore } from './ports';

export interface AuditAnchorDeps {
  requests: Pick<RequestStore, 'anchorAudit'>;
  announcements: Pick<Announcements, 'postAudit'>;
}

/**
 * Records the audit chain's head as an event and posts it in the audit channel, outside the database's
 * reach: `audit verify --anchor` then tells a removed tail or a truncation. Run at an interval and on demand.
 */
export function anchorAuditChain(deps: AuditAnchorDeps) {
  return async (): Promise<{ anchor: Anchor; text: string; eventId: bigint } | null> => {
    const anchored = await deps.requests.anchorAudit();
    if (!anchored) return null;
    await deps.announcements.postAudit([anchored.eventId]);
    return { ...anchored, text: formatAnchor(anchored.anchor) };
  };
}
