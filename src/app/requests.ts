import { type Catalog, entryOf, type Resource } from '../domain/catalog';
import { ProdAccessError, UserError } from '../domain/errors';
import {
  authorizeExtension,
  authorizeRequester,
  type ExtensionInput,
  checkRateLimit,
  explicitHolder,
  identityConflict,
  mapIdentity,
  type RateLimit,
  type RequestInput,
  validateRequest,
} from '../domain/policy';
import { type AccessRequestRecord, requestNotFound } from '../domain/request';
import { needsTimeZone, type ParsedStart, parseStart, pendingDeadline, resolveStart } from '../domain/scheduled-start';
import { announceChange } from './announce';
import type { Announcements, Clock, Directory, IdentityBindings, Metrics, RequestQuota, RequestStore, Schedule } from './ports';

export interface SubmitRequestDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'create' | 'countSince' | 'audit'>;
  identities: IdentityBindings;
  rateLimit: RateLimit;
  directory: Pick<Directory, 'profile' | 'groupsOf'>;
  schedule: Pick<Schedule, 'expirePendingAt'>;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes'>;
  clock: Clock;
  metrics: Pick<Metrics, 'requestSubmitted' | 'requestRefused'>;
}

/** A developer asks for access: checked against the catalog, stored, and sent to the owners' channel. */
export function submitRequest(deps: SubmitRequestDeps) {
  const create = createRequest(deps);
  return (requesterId: string, input: RequestInput): Promise<AccessRequestRecord> => create(requesterId, input, null);
}

/**
 * More time on one's own live grant: a new request for the same resource, level and identity, approved
 * like any other. Once granted, the first grant's expiry keeps the access (the overlap rule), and the
 * extension ends on its own schedule.
 */
export function submitExtension(deps: SubmitRequestDeps & { requests: Pick<RequestStore, 'get'> }) {
  const create = createRequest(deps);
  return async (requesterId: string, input: ExtensionInput): Promise<AccessRequestRecord> => {
    const original = await extendable(deps, input.requestId, requesterId);
    const same = { resourceId: original.resourceId, levelId: original.level, ticketUrl: original.ticketUrl ?? undefined };
    return create(requesterId, { ...same, duration: input.duration, reason: input.reason }, original);
  };
}

/** What the Extend button's form is filled in from: the user's own live grant, refused as `submitExtension` would refuse it, and its catalog entry. */
export function extensionForm(deps: Pick<SubmitRequestDeps, 'catalog' | 'clock'> & { requests: Pick<RequestStore, 'get'> }) {
  return async (requestId: number, userId: string) => {
    const request = await extendable(deps, requestId, userId);
    return { request, ...entryOf(deps.catalog, request) };
  };
}

/** The grant, if this user may extend it now. */
async function extendable(
  deps: Pick<SubmitRequestDeps, 'clock'> & { requests: Pick<RequestStore, 'get'> },
  requestId: number,
  userId: string,
): Promise<AccessRequestRecord> {
  const original = await deps.requests.get(requestId);
  if (!original) throw requestNotFound(requestId);
  authorizeExtension(original, userId, deps.clock.now());
  return original;
}

/** Stores the request, counted as submitted or refused. */
function createRequest(deps: SubmitRequestDeps) {
  return countedSubmissions(deps.metrics, storeRequest(deps));
}

/** `submit`, with each request it stores counted as submitted, and each it refuses by the refusal's code. */
export function countedSubmissions<Args extends unknown[]>(
  metrics: Pick<Metrics, 'requestSubmitted' | 'requestRefused'>,
  submit: (...args: Args) => Promise<AccessRequestRecord>,
) {
  return async (...args: Args): Promise<AccessRequestRecord> => {
    try {
      const request = await submit(...args);
      metrics.requestSubmitted({ resourceId: request.resourceId, level: request.level });
      return request;
    } catch (e) {
      if (e instanceof ProdAccessError) metrics.requestRefused(e.code);
      throw e;
    }
  };
}

function storeRequest(deps: SubmitRequestDeps) {
  return async (requesterId: string, input: RequestInput, extending: AccessRequestRecord | null): Promise<AccessRequestRecord> => {
    const valid = validateRequest(deps.catalog, input);
    const start = input.start && parseStart(input.start);
    const { requesters } = valid.level;
    if (requesters)
      authorizeRequester(valid.resource, valid.level, requesterId, await deps.directory.groupsOf(requesterId, requesters.groups));
    const now = deps.clock.now();
    const quota = await admitRequester(deps, valid.resource, requesterId, now, deps.rateLimit);
    const identity = await identityOf(deps, valid.resource, requesterId);
    const startsAt = start ? await startOf(deps, valid.resource, requesterId, start, now) : null;
    if (extending && identity !== extending.targetIdentity) {
      // An extension under another identity would not keep the first grant's access: it is a new request.
      throw new UserError(
        'INVALID_STATE',
        `You now map to \`${identity}\` on ${valid.resource.id}, not \`${extending.targetIdentity}\` as in #${extending.id}. Ask anew with \`/prod-access request\`.`,
      );
    }
    await claimIdentity(deps, valid.resource, identity, requesterId);
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
        startsAt,
        pendingExpiresAt: pendingDeadline(now, deps.catalog.pendingTimeoutSeconds, startsAt, valid.durationSeconds),
        extendsRequestId: extending?.id ?? null,
      },
      {
        actor: requesterId,
        action: 'requested',
        detail: {
          resource: valid.resource.id,
          level: valid.level.id,
          durationSeconds: valid.durationSeconds,
          identity,
          ...(startsAt && { startsAt: startsAt.toISOString() }),
          ...(extending && { extends: extending.id }),
        },
      },
      quota,
    );
    await Promise.all([
      deps.schedule.expirePendingAt(request.id, request.pendingExpiresAt),
      announceChange(deps.announcements, request.id, [auditEventId]),
    ]);
    return request;
  };
}

/**
 * The requester's rate limit (`breakGlassOnly`: counting their break-glass grants alone), as the quota the
 * insert enforces. Refused here before the profile is read from Slack; the count that decides is repeated
 * under the lock at insert, and is the only one when the catalog's map names the requester (no profile to read).
 */
export async function admitRequester(
  deps: { requests: Pick<RequestStore, 'countSince'> },
  resource: Resource,
  requesterId: string,
  now: Date,
  limit: RateLimit,
  breakGlassOnly = false,
): Promise<RequestQuota> {
  const since = new Date(now.getTime() - limit.windowSeconds * 1000);
  const admit = (recent: number) => checkRateLimit(recent, limit, breakGlassOnly ? 'break-glass grants' : 'requests');
  if (resource.identity.map[requesterId] === undefined) admit(await deps.requests.countSince(requesterId, since, breakGlassOnly));
  return { since, admit, breakGlassOnly };
}

/** What mapping and claiming an identity needs. */
type IdentityDeps = Pick<SubmitRequestDeps, 'identities' | 'directory'> & {
  requests: Pick<RequestStore, 'audit'>;
  announcements: Pick<Announcements, 'postAudit'>;
};

/** The requester's identity on the resource: the catalog's map needs no Slack call, a profile rule reads the profile. */
export async function identityOf(deps: Pick<IdentityDeps, 'directory'>, resource: Resource, userId: string): Promise<string> {
  const rule = resource.identity;
  if (rule.map[userId] !== undefined) return mapIdentity(rule, { userId, emailConfirmed: false });
  return mapIdentity(rule, await deps.directory.profile(userId, { customFields: rule.fromProfileField !== null }));
}

/**
 * The instant a requested start names. A wall-clock time is read in the requester's Slack time zone, from
 * the same profile the identity rule reads (one Slack call, cached), or looked up for it alone.
 */
async function startOf(deps: SubmitRequestDeps, resource: Resource, userId: string, start: ParsedStart, now: Date): Promise<Date | null> {
  if (!needsTimeZone(start)) return resolveStart(start, now, null);
  const profile = await deps.directory.profile(userId, { customFields: resource.identity.fromProfileField !== null });
  return resolveStart(start, now, profile.timeZone ?? null);
}

/**
 * One identity, one person: a name the catalog's map gives to someone else, or one another Slack user's
 * profile claimed first, is refused, audited and announced in the audit channel.
 */
export async function claimIdentity(deps: IdentityDeps, resource: Resource, identity: string, userId: string): Promise<void> {
  const explicit = resource.identity.map[userId] !== undefined;
  const mappedTo = explicit ? undefined : explicitHolder(resource.identity, identity);
  const holder = mappedTo ?? (await deps.identities.bind(resource.id, identity, userId, { explicit }));
  if (holder === userId) return;
  const auditEventId = await deps.requests.audit(null, {
    actor: userId,
    action: 'identity_conflict',
    detail: {
      resource: resource.id,
      identity,
      heldBy: holder,
      reason: `maps to ${identity} on ${resource.id}, which belongs to ${holder}`,
    },
  });
  await deps.announcements.postAudit([auditEventId]);
  throw identityConflict(resource.id, identity);
}

export function listRequests(deps: { requests: Pick<RequestStore, 'listForRequester'> }) {
  return (requesterId: string) => deps.requests.listForRequester(requesterId);
}
