import type { Catalog } from '../domain/catalog';
import { checkRateLimit, mapIdentity, type RateLimit, type RequestInput, validateRequest } from '../domain/policy';
import type { AccessRequestRecord } from '../domain/request';
import type { RequestRepository } from '../db/requests';
import type { AccessSchedule, Announcements, Clock, Directory } from './ports';

export interface SubmitRequestDeps {
  catalog: Catalog;
  requests: Pick<RequestRepository, 'create' | 'countSince'>;
  rateLimit: RateLimit;
  directory: Pick<Directory, 'profile'>;
  schedule: Pick<AccessSchedule, 'expirePendingAt'>;
  announcements: Announcements;
  clock: Clock;
}

/** A developer asks for access: checked against the catalog, stored, and sent to the owners' channel. */
export function submitRequest(deps: SubmitRequestDeps) {
  return async (requesterId: string, input: RequestInput): Promise<AccessRequestRecord> => {
    const valid = validateRequest(deps.catalog, input);
    const now = deps.clock.now();
    const windowStart = new Date(now.getTime() - deps.rateLimit.windowSeconds * 1000);
    checkRateLimit(await deps.requests.countSince(requesterId, windowStart), deps.rateLimit);
    const identity = mapIdentity(valid.resource.identity, await deps.directory.profile(requesterId));
    const { request, auditEventId } = await deps.requests.create(
      {
        requesterId,
        resourceId: valid.resource.id,
        level: valid.level.id,
        targetIdentity: identity,
        durationSeconds: valid.durationSeconds,
        reason: valid.reason,
        ticketUrl: valid.ticketUrl,
        approvalsRequired: valid.level.approvalsRequired,
        pendingExpiresAt: new Date(now.getTime() + deps.catalog.pendingTimeoutSeconds * 1000),
      },
      {
        actor: requesterId,
        action: 'requested',
        detail: { resource: valid.resource.id, level: valid.level.id, durationSeconds: valid.durationSeconds, identity },
      },
    );
    await deps.schedule.expirePendingAt(request.id, request.pendingExpiresAt);
    await deps.announcements.requestChanged(request.id);
    await deps.announcements.audited([auditEventId]);
    return request;
  };
}

export function listRequests(deps: { requests: Pick<RequestRepository, 'listForRequester'> }) {
  return (requesterId: string) => deps.requests.listForRequester(requesterId);
}
