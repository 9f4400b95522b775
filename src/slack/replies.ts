import { isProdAccessError } from '../domain/errors';
import type { Logger } from '../logger';

/** A person-readable line for any error; unexpected ones are logged with a reference to quote. */
export function errorReply(error: unknown, logger: Logger): string {
  if (isProdAccessError(error)) return `:warning: ${error.message}`;
  const ref = Math.random().toString(36).slice(2, 10);
  logger.error({ err: error, ref }, 'unexpected error in a Slack handler');
  return `:warning: Something went wrong on our side (reference ${ref}). Nothing was changed; try again or ask the platform team.`;
}

/** A request id as people type it: `42` or `#42`. */
export function parseRequestId(text: string | undefined): number | undefined {
  const match = /^#?(\d{1,9})$/.exec(text?.trim() ?? '');
  return match ? Number(match[1]) : undefined;
}
