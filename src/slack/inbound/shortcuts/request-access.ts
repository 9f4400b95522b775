import type { AllMiddlewareArgs, GlobalShortcut, MessageShortcut, SlackShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Catalog } from '../../../domain/catalog';
import { MAX_TICKET_URL_LENGTH } from '../../../domain/policy';
import type { Logger } from '../../../shared/logger';
import { type MessageLink, requestModal } from '../../render/request-modal';
import { type OpenedView, openModal } from '../modals';
import { errorReply, tellUser } from '../replies';

/** The shortcuts' callback ids, as slack-app-manifest.yaml declares them (features.shortcuts). */
export const SHORTCUTS = {
  /** Global: Slack's shortcuts menu. */
  requestAccess: 'request_prod_access',
  /** Message: a message's More actions menu, the message's link going in the ticket field. */
  requestAccessAboutMessage: 'request_prod_access_about_message',
} as const;

const UNKNOWN_SHORTCUT_REPLY =
  ':warning: prod-access does not know this shortcut, so nothing was done. Use `/prod-access`, and tell the platform team the app’s shortcuts are out of date.';

export interface ShortcutDeps {
  catalog: Catalog;
  logger: Logger;
}

export type ShortcutArgs<S extends SlackShortcut> = AllMiddlewareArgs & SlackShortcutMiddlewareArgs<S>;

/**
 * "Request prod access": the form `/prod-access` opens, at once after the ack. A global shortcut has no
 * conversation and no response_url, so the outcome (or why the form did not open) comes by DM.
 */
export function requestAccessShortcut(deps: ShortcutDeps) {
  return async ({ shortcut, ack, client }: ShortcutArgs<GlobalShortcut>): Promise<void> => {
    await ack();
    try {
      await openModal(client, shortcut.trigger_id, requestModal(deps.catalog, {}), deps.logger);
    } catch (error) {
      await tellUser(client, shortcut.user.id, undefined, errorReply(error, deps.logger), deps.logger);
    }
  };
}

/**
 * "Request prod access about this message": the same form, opened at once after the ack (the trigger_id
 * lives 3 seconds), then updated with the message's permalink in the ticket field; Slack's payload has
 * the channel and ts but no permalink, which only chat.getPermalink gives reliably (workspace domains and
 * thread links vary). The outcome goes back through the shortcut's response_url, to the conversation of
 * the message.
 */
export function requestAccessAboutMessageShortcut(deps: ShortcutDeps) {
  return async ({ shortcut, ack, client }: ShortcutArgs<MessageShortcut>): Promise<void> => {
    await ack();
    const metadata = { responseUrl: shortcut.response_url };
    let opened: OpenedView | undefined;
    try {
      opened = await openModal(client, shortcut.trigger_id, requestModal(deps.catalog, metadata, undefined, 'linking'), deps.logger);
    } catch (error) {
      await tellUser(client, shortcut.user.id, shortcut.response_url, errorReply(error, deps.logger), deps.logger);
      return;
    }
    if (!opened) return;
    const link = await messageLink(client, shortcut, deps.logger);
    try {
      // With the hash, Slack refuses this update if the person already chose a resource (which re-renders
      // the form with an empty ticket field): the form they are filling in wins over the link.
      await client.views.update({ view_id: opened.id, hash: opened.hash, view: requestModal(deps.catalog, metadata, undefined, link) });
    } catch (error) {
      deps.logger.warn({ err: error }, 'request form not updated with the message link');
    }
  };
}

/** The message's permalink, or `unlinked` when Slack gives none (a conversation the bot cannot see). */
async function messageLink(client: WebClient, shortcut: MessageShortcut, logger: Logger): Promise<MessageLink> {
  try {
    const answer = await client.chat.getPermalink({ channel: shortcut.channel.id, message_ts: shortcut.message.ts });
    // A link too long for the field would make Slack refuse the whole form.
    if (answer.permalink && answer.permalink.length <= MAX_TICKET_URL_LENGTH) return { permalink: answer.permalink };
  } catch (error) {
    logger.info({ err: error }, 'no permalink for the message a shortcut was used on');
  }
  return 'unlinked';
}

/**
 * A shortcut Slack sent that prod-access does not know: the manifest installed in Slack declares one the
 * code does not (renamed, or an older or newer manifest). Acked so Slack shows no error of its own, and
 * said to the person and the log, with nothing done.
 */
export function unknownShortcut(deps: ShortcutDeps) {
  return async ({ shortcut, ack, client }: ShortcutArgs<SlackShortcut>): Promise<void> => {
    await ack();
    deps.logger.warn(
      { callbackId: shortcut.callback_id, type: shortcut.type },
      'a shortcut prod-access does not know: is the app installed with this version of slack-app-manifest.yaml?',
    );
    const responseUrl = shortcut.type === 'message_action' ? shortcut.response_url : undefined;
    await tellUser(client, shortcut.user.id, responseUrl, UNKNOWN_SHORTCUT_REPLY, deps.logger);
  };
}
