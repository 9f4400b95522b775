import type { Db } from '../../../src/db/client';
import type { ApiCall, SlackMessage, SlackStandin, SlackView } from '../../../devkit/slack-standin/server';
import { waitUntil } from '../wait';
import { CHANNELS } from './workspace';

/** The approval message of a request as it stands in the owners' channel now. */
export function approvalMessageIn(slack: SlackStandin, requestId: number): SlackMessage | undefined {
  return slack.messages(CHANNELS.owners).find((m) => m.text.startsWith(`Access request #${requestId}:`));
}

/** Every text of a view's blocks (sections, fields, contexts, headers, buttons), one per line. */
export function viewText(view: SlackView | undefined): string {
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (typeof value !== 'object' || value === null) return;
    const { text } = value as { text?: unknown };
    if (typeof text === 'string') texts.push(text);
    Object.values(value).forEach(walk);
  };
  walk(view?.blocks);
  return texts.join('\n');
}

/**
 * What the app did, as people see it in Slack and as its own database records it: the reads and waits a
 * test writes its expectations on. Every wait fails with what it waited for and what it found instead.
 */
export class Observations {
  constructor(
    private readonly slack: SlackStandin,
    private readonly db: Db,
  ) {}

  approvalMessage(requestId: number): SlackMessage | undefined {
    return approvalMessageIn(this.slack, requestId);
  }

  /** Waits until the approval message of a request says something, and returns its text. */
  async waitForApprovalMessage(requestId: number, contains: string, timeoutMs = 15_000): Promise<string> {
    return waitUntil(
      () => {
        const text = this.approvalMessage(requestId)?.text;
        return text?.includes(contains) ? text : undefined;
      },
      timeoutMs,
      () => `approval message of #${requestId} to say "${contains}"; it says: ${this.approvalMessage(requestId)?.text}`,
    );
  }

  /** The text of the App Home the app last published for this user ('' when none). */
  homeText(userId: string): string {
    return viewText(this.slack.homeView(userId));
  }

  /** Waits until the user's App Home says something (or, with `absent`, no longer does), and returns its text. */
  async waitForHome(userId: string, contains: string, { absent = false, timeoutMs = 15_000 } = {}): Promise<string> {
    return waitUntil(
      () => {
        const text = this.homeText(userId);
        return this.slack.homeView(userId) && text.includes(contains) !== absent ? text : undefined;
      },
      timeoutMs,
      () => `the App Home of ${userId} ${absent ? 'to no longer say' : 'to say'} "${contains}"; it says:\n${this.homeText(userId)}`,
    );
  }

  /** Texts posted to a channel (or a user's DM) so far. */
  texts(channelOrUser: string): string[] {
    return this.slack.messages(channelOrUser).map((m) => m.text);
  }

  /** The audit channel line by line: under a burst, one message carries several lines. */
  auditLines(): string[] {
    return this.texts(CHANNELS.audit).flatMap((text) => text.split('\n'));
  }

  async waitForText(channelOrUser: string, contains: string, timeoutMs = 15_000): Promise<string> {
    return waitUntil(
      () => this.texts(channelOrUser).find((t) => t.includes(contains)),
      timeoutMs,
      () => `a message in ${channelOrUser} containing "${contains}"; got:\n${this.texts(channelOrUser).join('\n')}`,
    );
  }

  apiCalls(method: string): ApiCall[] {
    return this.slack.callsTo(method);
  }

  /** Messages Slack took in a channel: a refused call (an injected fault, a 429 of its rate limit) posted nothing. */
  postsIn(channel: string): ApiCall[] {
    return this.apiCalls('chat.postMessage').filter((c) => c.args.channel === channel && c.response.ok);
  }

  requestsOf(userId: string) {
    return this.db.accessRequest.findMany({ where: { requesterId: userId }, orderBy: { id: 'asc' } });
  }

  /** The request's stored status now. */
  async statusOf(requestId: number): Promise<string> {
    return (await this.db.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status;
  }

  /** Waits until the request's stored status is `status`, and returns the request. */
  async waitForStatus(requestId: number, status: string, timeoutMs = 15_000) {
    let last: string | undefined;
    return waitUntil(
      async () => {
        const request = await this.db.accessRequest.findUnique({ where: { id: requestId } });
        last = request?.status;
        return request?.status === status ? request : undefined;
      },
      timeoutMs,
      () => `request #${requestId} to be ${status}; it is ${last}`,
    );
  }

  /** The audit rows of a request, action by action, in the order they were written. */
  async auditActions(requestId: number): Promise<string[]> {
    const rows = await this.db.auditEvent.findMany({ where: { requestId }, orderBy: { id: 'asc' } });
    return rows.map((r) => r.action);
  }

  /** The detail of a request's first audit row with this action; fails when there is none. */
  async auditDetail(requestId: number, action: string): Promise<unknown> {
    return (await this.db.auditEvent.findFirstOrThrow({ where: { requestId, action } })).detail;
  }
}
