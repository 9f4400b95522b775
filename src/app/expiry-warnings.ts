import { type Catalog, entryOf } from '../domain/catalog';
import { catalogSpec, isLive } from '../domain/grant';
import { type AccessRequestRecord, requestNotFound } from '../domain/request';
import type { Announcements, Clock, Messenger, Providers, RequestStore } from './ports';
import { coversOf } from './revokes';

export interface ExpiryWarningDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'get' | 'decisions' | 'liveOn' | 'claimExpiryWarning' | 'markExpiryWarned'>;
  providers: Providers;
  messenger: Pick<Messenger, 'sendExpiryWarning'>;
  announcements: Pick<Announcements, 'postAudit'>;
  clock: Clock;
}

/** Another worker holds the claim on this warning and has not recorded it sent yet; the job retries. */
class WarningBeingSent extends Error {}

export type ExpiryWarningOutcome = 'warned' | 'covered' | 'nothing_to_do';

/**
 * The expiry-warning job: a DM telling the requester of a live grant when it ends, with Extend and I'm
 * done. Sent once (claimed on the request first, so two workers or a re-run never send it twice) and
 * never once the grant has ended or is being revoked. When another grant of theirs (an extension) holds
 * the same access past this one's end, the DM says the access is covered instead of offering Extend.
 */
export function warnBeforeExpiry(deps: ExpiryWarningDeps) {
  return async (requestId: number): Promise<ExpiryWarningOutcome> => {
    const request = await deps.requests.get(requestId);
    if (!request) throw requestNotFound(requestId);
    const now = deps.clock.now();
    if (!isLive(request, now) || request.expiryWarnedAt) return 'nothing_to_do';
    if (!(await deps.requests.claimExpiryWarning(requestId, now))) {
      const latest = await deps.requests.get(requestId);
      if (latest && isLive(latest, now) && !latest.expiryWarnedAt)
        throw new WarningBeingSent(`the expiry warning of #${requestId} is being sent`);
      return 'nothing_to_do';
    }
    const coveredBy = await outlastingCover(deps, request, now);
    const facts = { request, decisions: await deps.requests.decisions(requestId), ...entryOf(deps.catalog, request) };
    await deps.messenger.sendExpiryWarning(facts, coveredBy);
    const auditEventId = await deps.requests.markExpiryWarned(requestId, deps.clock.now(), {
      actor: 'system',
      action: 'expiry_warned',
      detail: { expiresAt: request.expiresAt!.toISOString(), ...(coveredBy && { coveredBy: coveredBy.id }) },
    });
    if (auditEventId !== null) await deps.announcements.postAudit([auditEventId]);
    return coveredBy ? 'covered' : 'warned';
  };
}

/** The live grant holding this grant's access the longest past its end, if one does. */
async function outlastingCover(deps: ExpiryWarningDeps, request: AccessRequestRecord, now: Date): Promise<AccessRequestRecord | null> {
  const { resource, spec } = catalogSpec(deps.catalog, request, request.expiresAt!);
  const covers = await coversOf(deps, request, deps.providers(resource), spec);
  const outlasting = covers.filter((cover) => isLive(cover, now) && cover.expiresAt! > request.expiresAt!);
  return outlasting.sort((a, b) => b.expiresAt!.getTime() - a.expiresAt!.getTime())[0] ?? null;
}
