import type { StandinUser } from '../devkit/slack-standin/types';
import { blockActionsPayload, newTriggerId, sendInteraction, sendSlashCommand } from '../devkit/slack-standin/signed-request';
import { APPROVE_ACTION } from '../src/slack/render/approval-message';
import { CHANNELS, SIGNING_SECRET } from '../test/support/harness/workspace';
import { BenchProcess } from './processes';

/**
 * The bench's hands in Slack, with the stand-in in its own process (bench/slack-process.ts): signed slash
 * commands and Approve clicks sent from this process, replies and approval messages asked of the stand-in.
 * The bench's commands and clicks never open a modal, so their trigger_ids need not be registered.
 */
export class BenchSlack {
  private replies = 0;

  private constructor(
    private readonly process: BenchProcess,
    private readonly control: string,
    /** For the app's SLACK_API_URL. */
    readonly apiUrl: string,
  ) {}

  /** The workspace of the harness named `suffix`, with its extra users. */
  static async start(suffix: string, extraUsers: StandinUser[] = []): Promise<BenchSlack> {
    const { process, port } = await BenchProcess.start('slack-process.ts', {
      BENCH_SLACK_SUFFIX: suffix,
      BENCH_SLACK_EXTRA_USERS: JSON.stringify(extraUsers),
    });
    const control = `http://127.0.0.1:${port}`;
    const { apiUrl } = await ask<{ apiUrl: string }>(`${control}/info`);
    return new BenchSlack(process, control, apiUrl);
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  /** `count` response_urls issued now, each of its own. */
  async responseUrls(count: number): Promise<{ name: string; url: string }[]> {
    const names = Array.from({ length: count }, () => `bench-${++this.replies}`);
    const { urls } = await ask<{ urls: string[] }>(`${this.control}/response-urls`, { names });
    return names.map((name, i) => ({ name, url: urls[i]! }));
  }

  /** Web API calls the stand-in answered so far. */
  async apiCalls(): Promise<number> {
    return (await ask<{ count: number }>(`${this.control}/calls`)).count;
  }

  command(endpoint: string, userId: string, text: string, responseUrl: string) {
    return sendSlashCommand(endpoint, SIGNING_SECRET, {
      text,
      user_id: userId,
      channel_id: CHANNELS.general,
      trigger_id: newTriggerId(),
      response_url: responseUrl,
    });
  }

  /** Sends a command and returns the ephemeral reply it got. */
  async ask(endpoint: string, userId: string, text: string): Promise<string> {
    const [reply] = await this.responseUrls(1);
    const answer = await this.command(endpoint, userId, text, reply!.url);
    if (answer.status !== 200) throw new Error(`slash command answered ${answer.status}: ${answer.body}`);
    return this.responseAt(reply!.name);
  }

  async responseAt(name: string): Promise<string> {
    return (await ask<{ text: string }>(`${this.control}/response?name=${encodeURIComponent(name)}`)).text;
  }

  /** Waits until the request's approval message is posted; returns its ts. */
  async approvalTs(requestId: number): Promise<string> {
    const ts = await this.postedTs(requestId, 15_000);
    if (!ts) throw new Error(`no approval message of #${requestId}`);
    return ts;
  }

  private async postedTs(requestId: number, waitMs: number): Promise<string | undefined> {
    return (await ask<{ ts?: string }>(`${this.control}/approval-ts?requestId=${requestId}&waitMs=${waitMs}`)).ts;
  }

  /** Clicks Approve on the request's approval message (posted at `messageTs`). */
  click(endpoint: string, userId: string, requestId: number, messageTs: string, responseUrl: string) {
    return sendInteraction(
      endpoint,
      SIGNING_SECRET,
      blockActionsPayload({
        user: userId,
        actionId: APPROVE_ACTION,
        value: String(requestId),
        channel: CHANNELS.owners,
        messageTs,
        triggerId: newTriggerId(),
        responseUrl,
      }),
    );
  }

  /**
   * Clicks Approve and returns the ephemeral answer: on the approval message when it is posted already,
   * else with a placeholder ts (the app reads the request from the button's value), so Slack's pace in the
   * owners' channel, one message a second, does not cap a throughput figure about the app.
   */
  async approve(endpoint: string, userId: string, requestId: number): Promise<string> {
    const [ts, [reply]] = await Promise.all([this.postedTs(requestId, 0), this.responseUrls(1)]);
    const answer = await this.click(endpoint, userId, requestId, ts ?? PLACEHOLDER_TS, reply!.url);
    if (answer.status !== 200) throw new Error(`click answered ${answer.status}: ${answer.body}`);
    return this.responseAt(reply!.name);
  }
}

/** The ts a click carries when its message is not posted yet (the harness's own click does the same). */
const PLACEHOLDER_TS = '1700000000.000100';

async function ask<T>(url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  const answer = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(`Slack stand-in: ${answer.error}`);
  return answer;
}
