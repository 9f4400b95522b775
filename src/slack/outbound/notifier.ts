import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { AccessDelivery, AuditChannel, AuditChannelLine, RequestStore } from '../../app/ports';
import { type AccessRequestRecord, FINAL_NOTICES, type RequesterNotice, requestNotFound } from '../../domain/request';
import { type Catalog, entryOf } from '../../domain/catalog';
import { isLive } from '../../domain/grant';
import { isFinal } from '../../domain/lifecycle';
import { accessDelivered, auditLine, requesterNotice, secretCleared } from '../render/notices';
import { directMessage } from '../inbound/replies';
import { approvalMessage } from '../render/approval-message';

export interface SlackNotifierDeps {
  catalog: Catalog;
  requests: Pick<
    RequestStore,
    'get' | 'decisions' | 'claimMessage' | 'setMessage' | 'markMessageShown' | 'markNotified' | 'markAccessDelivered' | 'markSecretCleared'
  >;
  slack: WebClient;
}

/** A message that cannot be posted yet (another worker is posting it); the job retries. */
class MessageNotReady extends Error {}

/**
 * Everything prod-access says in Slack, each rendered from the database at the moment it is sent,
 * so a retried or late job says what is true now.
 */
export class SlackNotifier implements AccessDelivery, AuditChannel {
  constructor(private readonly deps: SlackNotifierDeps) {}

  /** Posts the approval message once, then keeps it updated in place. */
  async syncApprovalMessage(requestId: number): Promise<void> {
    const { request, message, resource } = await this.render(requestId);
    if (request.channelId && request.messageTs) {
      await this.deps.slack.chat.update({ channel: request.channelId, ts: request.messageTs, ...message });
      await this.deps.requests.markMessageShown(requestId, request.status);
      return;
    }
    if (!(await this.deps.requests.claimMessage(requestId, new Date()))) {
      throw new MessageNotReady(`the approval message of #${requestId} is being posted by another worker`);
    }
    const posted = await this.deps.slack.chat.postMessage({ channel: resource.ownersChannel, ...message, unfurl_links: false });
    await this.deps.requests.setMessage(requestId, posted.channel!, posted.ts!);
    // The request may have moved while the message was being posted.
    const latest = await this.render(requestId);
    if (latest.request.status !== request.status) {
      await this.deps.slack.chat.update({ channel: posted.channel!, ts: posted.ts!, ...latest.message });
    }
    await this.deps.requests.markMessageShown(requestId, latest.request.status);
  }

  async notifyRequester(requestId: number, notice: RequesterNotice): Promise<void> {
    const { request, decisions, resource } = await this.render(requestId);
    const announcesFinal = FINAL_NOTICES[request.status] === notice;
    if (announcesFinal && request.notifiedStatus === request.status) return;
    await this.dm(request.requesterId, requesterNotice(notice, request, resource, decisions));
    if (announcesFinal) await this.deps.requests.markNotified(requestId, request.status);
  }

  async deliverAccess(requestId: number, lines: string[], oneTimeSecret?: string): Promise<void> {
    const { request, resource } = await this.render(requestId);
    const dm = await this.dm(request.requesterId, accessDelivered(request, resource, lines, { secret: oneTimeSecret }));
    // Where the secret sits, so it can be taken out of the DM history when the access ends.
    await this.deps.requests.markAccessDelivered(requestId, oneTimeSecret === undefined ? undefined : dm);
  }

  /** Rewrites the DM that carried a one-time secret without it, once the access has ended. Safe to run again. */
  async clearSecret(requestId: number): Promise<void> {
    const { request, resource } = await this.render(requestId);
    if (!request.secretDmChannel || !request.secretDmTs || request.secretClearedAt || !isFinal(request.status)) return;
    // `blocks: []` clears any blocks too, so nothing of the old message is left.
    await this.deps.slack.chat.update({
      channel: request.secretDmChannel,
      ts: request.secretDmTs,
      text: secretCleared(request, resource),
      blocks: [],
    });
    await this.deps.requests.markSecretCleared(requestId);
  }

  /** The access DM from the instructions the database keeps, for a live grant whose first DM was lost. */
  async resendAccess(requestId: number): Promise<void> {
    const { request, resource } = await this.render(requestId);
    if (!isLive(request, new Date()) || request.accessDeliveredAt) return;
    const lines = z.array(z.string()).catch([]).parse(request.accessLines);
    await this.dm(request.requesterId, accessDelivered(request, resource, lines, { secretLost: request.accessSecretIssued }));
    await this.deps.requests.markAccessDelivered(requestId);
  }

  /** One message in the audit channel with these lines, each linking to its request's approval message. */
  async postLines(lines: readonly AuditChannelLine[]): Promise<void> {
    const requests = new Map<number, { request: AccessRequestRecord | null; permalink: string | null }>();
    for (const { event } of lines) {
      if (event.requestId === null || requests.has(event.requestId)) continue;
      const request = await this.deps.requests.get(event.requestId);
      const permalink = request?.channelId && request.messageTs ? await this.permalink(request.channelId, request.messageTs) : null;
      requests.set(event.requestId, { request, permalink });
    }
    const text = lines
      .map(({ event, count }) => {
        const about = event.requestId === null ? undefined : requests.get(event.requestId);
        return auditLine(event, about?.request ?? null, about?.permalink ?? null, count);
      })
      .join('\n');
    await this.deps.slack.chat.postMessage({ channel: this.deps.catalog.auditChannel, text, unfurl_links: false });
  }

  private async permalink(channel: string, ts: string): Promise<string | null> {
    const answer = await this.deps.slack.chat.getPermalink({ channel, message_ts: ts });
    return answer.permalink ?? null;
  }

  private dm(userId: string, text: string): Promise<{ channel: string; ts: string }> {
    return directMessage(this.deps.slack, userId, text);
  }

  private async render(requestId: number) {
    const request = await this.deps.requests.get(requestId);
    if (!request) throw requestNotFound(requestId);
    const decisions = await this.deps.requests.decisions(requestId);
    const { resource, level } = entryOf(this.deps.catalog, request);
    return { request, decisions, resource, message: approvalMessage(request, decisions, resource, level) };
  }
}
