import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';

/**
 * Posts to the user's DM with the app (`text` alone, or as the notification's words for `blocks`);
 * returns where the message is, so it can be updated later.
 */
export async function directMessage(
  client: WebClient,
  userId: string,
  text: string,
  blocks?: KnownBlock[],
): Promise<{ channel: string; ts: string }> {
  const { channel } = await client.conversations.open({ users: userId });
  const posted = await client.chat.postMessage({ channel: channel!.id!, text, ...(blocks && { blocks }), unfurl_links: false });
  return { channel: posted.channel!, ts: posted.ts! };
}
