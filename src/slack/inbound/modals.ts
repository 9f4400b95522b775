import type { View } from '@slack/types';
import { ErrorCode, type WebAPIPlatformError, type WebClient } from '@slack/web-api';
import { UserError } from '../../domain/errors';
import type { Logger } from '../../shared/logger';

/** Slack's answers to a views.open whose trigger_id was used already or is past its 3 seconds. */
const SPENT_TRIGGER = new Set(['exchanged_trigger_id', 'expired_trigger_id']);

/** The opened view, for a views.update to name it (its hash makes Slack refuse a stale update). */
export interface OpenedView {
  id: string;
  hash: string;
}

/**
 * Opens a modal with an interaction's trigger_id, the first thing a listener does after its ack. A
 * trigger Slack no longer takes is a UserError (the person tries again), logged for whoever sees it often.
 */
export async function openModal(client: WebClient, triggerId: string, view: View, logger: Logger): Promise<OpenedView | undefined> {
  try {
    const opened = await client.views.open({ trigger_id: triggerId, view });
    return opened.view?.id && opened.view.hash ? { id: opened.view.id, hash: opened.view.hash } : undefined;
  } catch (error) {
    const slackError = isPlatformError(error) ? error.data.error : undefined;
    if (!slackError || !SPENT_TRIGGER.has(slackError)) throw error;
    logger.warn({ slackError }, 'Slack refused the trigger_id: the form was not opened');
    throw new UserError(
      'FORM_TIMED_OUT',
      'Slack gives prod-access 3 seconds to open the form, and they ran out, so nothing was done. Try again.',
    );
  }
}

function isPlatformError(error: unknown): error is WebAPIPlatformError {
  return (error as { code?: unknown } | null)?.code === ErrorCode.PlatformError;
}
