import type { WebClient } from '@slack/web-api';
import type { AuditChannel, AuditChannelLine } from '../../app/ports';
import type { Catalog } from '../../domain/catalog';
import type { AccessRequestRecord } from '../../domain/request';
import { auditLine, MESSAGE_TEXT_LIMIT } from '../render/notices';

export interface SlackAuditChannelDeps {
  catalog: Pick<Catalog, 'auditChannel'>;
  /** Read for the lines, which name their request and link to its approval message. */
  requests: { getMany(ids: readonly number[]): Promise<AccessRequestRecord[]> };
  /**
   * A client of the audit channel's own: a Web API client holds back every call while one of them waits out
   * a 429, and under a burst the DMs and approval messages are rate-limited for minutes.
   */
  slack: WebClient;
}

/**
 * The audit channel in Slack: each message carries as many of its lines as Slack's text limit takes, each
 * line linking to its request's approval message.
 */
export class SlackAuditChannel implements AuditChannel {
  /**
   * Where this workspace's message permalinks begin, learnt from Slack's first answer: chat.getPermalink is
   * rate-limited (the stand-in allows 100 a minute), and a burst's lines each name another request.
   */
  private archivesUrl: string | undefined;

  constructor(private readonly deps: SlackAuditChannelDeps) {}

  async postAudit(lines: readonly AuditChannelLine[]): Promise<number> {
    const ids = [...new Set(lines.flatMap(({ event }) => (event.requestId === null ? [] : [event.requestId])))];
    const requests = new Map((await this.deps.requests.getMany(ids)).map((request) => [request.id, request]));
    const shown: string[] = [];
    let length = 0;
    for (const { event, count } of lines) {
      const request = event.requestId === null ? null : (requests.get(event.requestId) ?? null);
      const permalink = request?.channelId && request.messageTs ? await this.permalink(request.channelId, request.messageTs) : null;
      const line = auditLine(event, request, permalink, count);
      const grown = length + (shown.length > 0 ? 1 : 0) + line.length;
      if (shown.length > 0 && grown > MESSAGE_TEXT_LIMIT) break;
      shown.push(line);
      length = grown;
    }
    await this.deps.slack.chat.postMessage({ channel: this.deps.catalog.auditChannel, text: shown.join('\n'), unfurl_links: false });
    return shown.length;
  }

  private async permalink(channel: string, ts: string): Promise<string | null> {
    const path = `/archives/${channel}/p${ts.replace('.', '')}`;
    if (this.archivesUrl !== undefined) return `${this.archivesUrl}${path}`;
    const { permalink } = await this.deps.slack.chat.getPermalink({ channel, message_ts: ts });
    // The shape Slack documents for a message outside a thread; any other answer is used as it is, and asked for again next time.
    if (permalink?.endsWith(path)) this.archivesUrl = permalink.slice(0, -path.length);
    return permalink ?? null;
  }
}
