import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { MessageRef } from '../../app/ports';

/**
 * Posts to the user's DM with the app (`text` alone, or as the notification's words for `blocks`);
 * returns where the message is, so it can be updated later.
 */
export async function directMessage(client: WebClient, userId: string, text: string, blocks?: KnownBlock[]): Promise<MessageRef> {
  const { channel } = await client.conversations.open({ users: userId });
  return postTo(client, channel!.id!, text, blocks);
}

/** People whose DM id is kept; past this the oldest is forgotten (and asked for again when needed). */
const KEPT_CHANNELS = 10_000;

/**
 * The DMs the workers send (access, notices, warnings): a person's DM with the app keeps its id, so it is
 * asked of Slack once per person and process. `conversations.open` is Tier 3 (about 50 a minute): asked for
 * every message, a morning of grants would wait minutes on it.
 */
export class DirectMessages {
  private readonly channels = new Map<string, string>();

  constructor(private readonly client: WebClient) {}

  async send(userId: string, text: string, blocks?: KnownBlock[]): Promise<MessageRef> {
    const kept = this.channels.get(userId);
    if (kept) {
      try {
        return await postTo(this.client, kept, text, blocks);
      } catch (error) {
        // Only a DM Slack no longer knows is asked for again; any other failure is the caller's to retry.
        if (slackErrorOf(error) !== 'channel_not_found') throw error;
        this.channels.delete(userId);
      }
    }
    const { channel } = await this.client.conversations.open({ users: userId });
    if (this.channels.size >= KEPT_CHANNELS) this.channels.delete(this.channels.keys().next().value!);
    this.channels.set(userId, channel!.id!);
    return postTo(this.client, channel!.id!, text, blocks);
  }
}

async function postTo(client: WebClient, channel: string, text: string, blocks?: KnownBlock[]): Promise<MessageRef> {
  const posted = await client.chat.postMessage({ channel, text, ...(blocks && { blocks }), unfurl_links: false });
  return { channel: posted.channel!, ts: posted.ts! };
}

/** The `error` of a Web API answer that was not ok (the SDK throws it as `data.error`). */
function slackErrorOf(error: unknown): string | undefined {
  return (error as { data?: { error?: unknown } } | undefined)?.data?.error as string | undefined;
}
