import type { WebClient } from '@slack/web-api';
import type { AccessSecret, ApprovalContext, MessageRef, Messenger, RequestFacts } from '../../app/ports';
import type { EscalationTarget } from '../../domain/reminders';
import type { AccessRequestRecord, RequesterNotice } from '../../domain/request';
import { approvalMessage } from '../render/approval-message';
import { accessDelivered, expiryWarning, requesterNotice, reviewEscalation, secretCleared } from '../render/notices';
import { escalationText, reminderText } from '../render/reminders';
import { DirectMessages } from './direct-message';

export interface SlackNotifierDeps {
  slack: WebClient;
}

/**
 * Everything prod-access says in Slack outside a reply and the audit channel (audit-channel.ts): each call renders what it is given (slack/render)
 * and posts or updates it. Whether and when to send is decided by the use-cases (app/notices.ts).
 */
export class SlackNotifier implements Messenger {
  private readonly directMessages: DirectMessages;

  constructor(private readonly deps: SlackNotifierDeps) {
    this.directMessages = new DirectMessages(deps.slack);
  }

  async postApprovalMessage(facts: RequestFacts, context?: ApprovalContext): Promise<MessageRef> {
    const posted = await this.deps.slack.chat.postMessage({
      channel: facts.resource.ownersChannel,
      ...render(facts, context),
      unfurl_links: false,
    });
    return { channel: posted.channel!, ts: posted.ts! };
  }

  async updateApprovalMessage(at: MessageRef, facts: RequestFacts, context?: ApprovalContext): Promise<void> {
    await this.deps.slack.chat.update({ channel: at.channel, ts: at.ts, ...render(facts, context) });
  }

  async sendNotice({ request, decisions, resource }: RequestFacts, notice: RequesterNotice): Promise<void> {
    await this.directMessages.send(request.requesterId, requesterNotice(notice, request, resource, decisions));
  }

  sendAccess({ request, resource }: RequestFacts, lines: string[], secret: AccessSecret): Promise<MessageRef> {
    return this.directMessages.send(request.requesterId, accessDelivered(request, resource, lines, secret));
  }

  async removeSecret(at: MessageRef, { request, resource }: RequestFacts): Promise<void> {
    // `blocks: []` clears any blocks too, so nothing of the old message is left.
    await this.deps.slack.chat.update({ channel: at.channel, ts: at.ts, text: secretCleared(request, resource), blocks: [] });
  }

  async remindApprovers(approvalMessage: MessageRef, facts: RequestFacts, waitedSeconds: number): Promise<MessageRef> {
    const posted = await this.deps.slack.chat.postMessage({
      channel: approvalMessage.channel,
      thread_ts: approvalMessage.ts,
      text: reminderText(facts, waitedSeconds),
      unfurl_links: false,
    });
    return { channel: posted.channel!, ts: posted.ts! };
  }

  /** In the escalation channel, or the owners' channel when the target names only a group. */
  async escalate(approvalMessage: MessageRef, facts: RequestFacts, to: EscalationTarget): Promise<MessageRef> {
    const permalink = await this.permalink(approvalMessage.channel, approvalMessage.ts);
    const posted = await this.deps.slack.chat.postMessage({
      channel: to.channel ?? facts.resource.ownersChannel,
      text: escalationText(facts, to, permalink),
      unfurl_links: false,
    });
    return { channel: posted.channel!, ts: posted.ts! };
  }

  async postReviewEscalation({ request, resource, level }: RequestFacts): Promise<void> {
    // A level the catalog no longer lets break the glass names no reviewers to call on.
    if (!level.breakGlass) return;
    await this.deps.slack.chat.postMessage({
      channel: resource.ownersChannel,
      text: reviewEscalation(request, resource, level.breakGlass),
    });
  }

  async sendExpiryWarning({ request, resource }: RequestFacts, coveredBy: AccessRequestRecord | null): Promise<void> {
    const { text, blocks } = expiryWarning(request, resource, coveredBy);
    await this.directMessages.send(request.requesterId, text, blocks);
  }

  private async permalink(channel: string, ts: string): Promise<string | null> {
    const answer = await this.deps.slack.chat.getPermalink({ channel, message_ts: ts });
    return answer.permalink ?? null;
  }
}

function render({ request, decisions, resource, level }: RequestFacts, context?: ApprovalContext) {
  return approvalMessage(request, decisions, resource, level, context);
}
