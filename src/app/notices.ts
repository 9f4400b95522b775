import { type Catalog, entryOf } from '../domain/catalog';
import { isLive } from '../domain/grant';
import { isFinal } from '../domain/lifecycle';
import { type AccessRequestRecord, FINAL_NOTICES, type RequesterNotice, requestNotFound } from '../domain/request';
import type { ApprovalContext, Clock, LevelAllows, LevelDescriptions, Messenger, RequestFacts, RequestStore } from './ports';

export interface NoticeDeps {
  catalog: Catalog;
  requests: Pick<
    RequestStore,
    | 'get'
    | 'decisions'
    | 'holdersOf'
    | 'claimMessage'
    | 'setMessage'
    | 'markMessageShown'
    | 'markNotified'
    | 'markAccessDelivered'
    | 'markSecretCleared'
    | 'markReviewEscalationSent'
  >;
  messenger: Pick<
    Messenger,
    'postApprovalMessage' | 'updateApprovalMessage' | 'sendNotice' | 'sendAccess' | 'removeSecret' | 'postReviewEscalation'
  >;
  levels: LevelDescriptions;
  clock: Clock;
}

/** How many holders of a level the approval message names; the rest are counted. */
const HOLDERS_SHOWN = 5;

/** An approval message that cannot be posted yet (another worker is posting it); the job retries. */
class MessageNotReady extends Error {}

/**
 * The Slack messages owed about a request, each rendered from the database at the moment it is sent,
 * so a retried or late job says what is true now; what was sent is recorded, so none is sent twice.
 */
export function requestNotices(deps: NoticeDeps) {
  async function factsOf(requestId: number): Promise<RequestFacts> {
    const request = await deps.requests.get(requestId);
    if (!request) throw requestNotFound(requestId);
    const decisions = await deps.requests.decisions(requestId);
    return { request, decisions, ...entryOf(deps.catalog, request) };
  }

  /**
   * While a request waits for approvers: who holds its level now, from the database, and what the level
   * allows, from its target. What the target says is only ever a help: reading it never fails the message.
   */
  async function contextOf({ request, resource, level }: RequestFacts): Promise<ApprovalContext | undefined> {
    if (request.status !== 'PENDING') return undefined;
    const [holders, allows] = await Promise.all([
      deps.requests.holdersOf(resource.id, level.id, deps.clock.now(), { exceptId: request.id, limit: HOLDERS_SHOWN }),
      deps.levels.describe(resource, level).catch((): LevelAllows => 'unreadable'),
    ]);
    return { holders, allows };
  }

  return {
    /** Posts the approval message once, then keeps it updated in place. */
    async syncApprovalMessage(requestId: number): Promise<void> {
      const facts = await factsOf(requestId);
      const { request } = facts;
      if (request.channelId && request.messageTs) {
        await deps.messenger.updateApprovalMessage({ channel: request.channelId, ts: request.messageTs }, facts, await contextOf(facts));
        await deps.requests.markMessageShown(requestId, request.status);
        return;
      }
      if (!(await deps.requests.claimMessage(requestId, deps.clock.now()))) {
        throw new MessageNotReady(`the approval message of #${requestId} is being posted by another worker`);
      }
      const posted = await deps.messenger.postApprovalMessage(facts, await contextOf(facts));
      await deps.requests.setMessage(requestId, posted.channel, posted.ts);
      // The request may have moved while the message was being posted.
      const latest = await factsOf(requestId);
      if (latest.request.status !== request.status) await deps.messenger.updateApprovalMessage(posted, latest, await contextOf(latest));
      await deps.requests.markMessageShown(requestId, latest.request.status);
    },

    /** The requester's DM for this turn; a notice of a final status is sent once, however often it is asked for. */
    async notifyRequester(requestId: number, notice: RequesterNotice): Promise<void> {
      const facts = await factsOf(requestId);
      const { request } = facts;
      const announcesFinal = FINAL_NOTICES[request.status] === notice;
      if (announcesFinal && request.notifiedStatus === request.status) return;
      await deps.messenger.sendNotice(facts, notice);
      if (announcesFinal) await deps.requests.markNotified(requestId, request.status);
    },

    /** The access DM straight from the grant; a one-time secret is shown in it and kept nowhere. */
    async deliverAccess(requestId: number, lines: string[], oneTimeSecret?: string): Promise<void> {
      const dm = await deps.messenger.sendAccess(await factsOf(requestId), lines, { secret: oneTimeSecret });
      // Where the secret sits, so it can be taken out of the DM history when the access ends.
      await deps.requests.markAccessDelivered(requestId, oneTimeSecret === undefined ? undefined : dm);
    },

    /** Rewrites the DM that carried a one-time secret without it, once the access has ended. Safe to run again. */
    async clearSecret(requestId: number): Promise<void> {
      const facts = await factsOf(requestId);
      const { request } = facts;
      if (!request.secretDmChannel || !request.secretDmTs || request.secretClearedAt || !isFinal(request.status)) return;
      await deps.messenger.removeSecret({ channel: request.secretDmChannel, ts: request.secretDmTs }, facts);
      await deps.requests.markSecretCleared(requestId);
    },

    /** The owners' channel told loudly that a break-glass grant escalated unreviewed: once, and not once it is reviewed. */
    async escalateReview(requestId: number): Promise<void> {
      const facts = await factsOf(requestId);
      const { request } = facts;
      if (!request.reviewEscalatedAt || request.reviewEscalationSentAt || request.reviewedAt) return;
      await deps.messenger.postReviewEscalation(facts);
      await deps.requests.markReviewEscalationSent(requestId);
    },

    /** The access DM from the instructions the database keeps, for a live grant whose first DM was lost. */
    async resendAccess(requestId: number): Promise<void> {
      const facts = await factsOf(requestId);
      const { request } = facts;
      if (!isLive(request, deps.clock.now()) || request.accessDeliveredAt) return;
      await deps.messenger.sendAccess(facts, accessLinesOf(request), { secretLost: request.accessSecretIssued });
      await deps.requests.markAccessDelivered(requestId);
    },
  };
}

export type Notices = ReturnType<typeof requestNotices>;

/** The stored access instructions; a row that holds anything but a list of lines gives none. */
function accessLinesOf(request: AccessRequestRecord): string[] {
  const lines = request.accessLines;
  return Array.isArray(lines) && lines.every((line) => typeof line === 'string') ? lines : [];
}
