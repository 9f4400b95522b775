import type { WebClient } from '@slack/web-api';
import type { AccessSecret, MessageRef, Messenger, RequestFacts } from '../../app/ports';
import type { RequesterNotice } from '../../domain/request';
import { approvalMessage } from '../render/approval-message';
import { accessDelivered, requesterNotice, secretCleared } from '../render/notices';
import { directMessage } from './direct-message';

export interface SlackNotifierDeps {
  slack: WebClient;
}

/**
 * Everything prod-access says in Slack outside a reply and the audit channel (audit-channel.ts): each call renders what it is given (slack/render)
 * and posts or updates it. Whether and when to send is decided by the use-cases (app/notices.ts).
 */
export class SlackNotifier implements Messenger {
  constructor(private readonly deps: SlackNotifierDeps) {}

  async postApprovalMessage(facts: RequestFacts): Promise<MessageRef> {
    const posted = await this.deps.slack.chat.postMessage({ channel: facts.resource.ownersChannel, ...render(facts), unfurl_links: false });
    return { channel: posted.channel!, ts: posted.ts! };
  }

  async updateApprovalMessage(at: MessageRef, facts: RequestFacts): Promise<void> {
    await this.deps.slack.chat.update({ channel: at.channel, ts: at.ts, ...render(facts) });
  }

  async sendNotice({ request, decisions, resource }: RequestFacts, notice: RequesterNotice): Promise<void> {
    await directMessage(this.deps.slack, request.requesterId, requesterNotice(notice, request, resource, decisions));
  }

  sendAccess({ request, resource }: RequestFacts, lines: string[], secret: AccessSecret): Promise<MessageRef> {
    return directMessage(this.deps.slack, request.requesterId, accessDelivered(request, resource, lines, secret));
  }

  async removeSecret(at: MessageRef, { request, resource }: RequestFacts): Promise<void> {
    // `blocks: []` clears any blocks too, so nothing of the old message is left.
    await this.deps.slack.chat.update({ channel: at.channel, ts: at.ts, text: secretCleared(request, resource), blocks: [] });
  }
}

function render({ request, decisions, resource, level }: RequestFacts) {
  return approvalMessage(request, decisions, resource, level);
}
