import type { WebClient } from '@slack/web-api';
import { isProdAccessError } from '../../domain/errors';
import type { Logger } from '../../shared/logger';
import { directMessage } from '../outbound/direct-message';

/** A response_url answers within this long, or the outcome goes by DM. */
const RESPONSE_URL_TIMEOUT_MS = 5000;

/** A person-readable line for any error; unexpected ones are logged with a reference to quote. */
export function errorReply(error: unknown, logger: Logger): string {
  if (isProdAccessError(error)) return `:warning: ${error.message}`;
  const ref = Math.random().toString(36).slice(2, 10);
  logger.error({ err: error, ref }, 'unexpected error in a Slack handler');
  return `:warning: Something went wrong on our side (reference ${ref}). Nothing was changed; try again or ask the platform team.`;
}

/**
 * Tells a user how what they did in a modal turned out: through the response_url of the command or click
 * that opened it (it reaches them in any conversation, even one the bot is not in), or by DM when there is
 * none or it no longer answers (used up, or older than 30 minutes).
 */
export async function tellUser(
  client: WebClient,
  userId: string,
  responseUrl: string | undefined,
  text: string,
  logger: Logger,
): Promise<void> {
  if (responseUrl) {
    try {
      const answer = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
        signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
      });
      if (answer.ok) return;
      logger.warn({ status: answer.status }, 'response_url refused the reply; sending it by DM');
    } catch (error) {
      logger.warn({ err: error }, 'response_url unreachable; sending the reply by DM');
    }
  }
  await directMessage(client, userId, text);
}
