import type { BlockButtonAction } from '@slack/bolt';
import type { View } from '@slack/types';
import type { Logger } from '../../../shared/logger';
import { extendLoadingModal, extendModal, extendRefusedModal } from '../../render/extend-modal';
import { earlyRevokeAnswer } from '../../render/replies';
import { directMessage } from '../../outbound/direct-message';
import { errorReply } from '../replies';
import type { SlackUseCases } from '../use-cases';
import { type ButtonArgs, requireId } from './decide';

export interface GrantButtonDeps {
  useCases: Pick<SlackUseCases, 'requestEarlyRevoke' | 'extensionForm'>;
  logger: Logger;
}

/*
 * The Extend and I'm done buttons of a live grant, wherever it is shown: the expiry warning's DM or App
 * Home. The value only names the request; who may extend or end it is checked server-side from the signed
 * user id, by the same use-cases as `/prod-access extend` and `/prod-access revoke`. A click in a message
 * is answered through its response_url; App Home (a view) gives none, so the answer comes by DM there.
 */

/** I'm done: the early revoke of `/prod-access revoke <id>`, with its rules and audit. */
export function endGrantClicked(deps: GrantButtonDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    let text: string;
    try {
      text = earlyRevokeAnswer(await deps.useCases.requestEarlyRevoke(requireId(args.action.value), args.body.user.id));
    } catch (error) {
      text = errorReply(error, deps.logger);
    }
    await answerClicker(args, text);
  };
}

/**
 * Extend: the modal opens at once (the trigger_id dies 3 s after the click), then is filled in for the
 * grant once it has been read, or says why this person cannot extend it. Its submission is authorized again.
 */
export function extendGrantClicked(deps: GrantButtonDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    const { ack, action, body, client } = args;
    await ack();
    const responseUrl = responseUrlOf(body);
    try {
      const requestId = requireId(action.value);
      const { view } = await client.views.open({ trigger_id: body.trigger_id, view: extendLoadingModal(requestId) });
      const form = await extensionFormFor(deps, requestId, body.user.id, responseUrl);
      // The hash makes Slack refuse this update if the modal was replaced meanwhile.
      await client.views.update({ view_id: view!.id!, hash: view!.hash, view: form });
    } catch (error) {
      await answerClicker(args, errorReply(error, deps.logger));
    }
  };
}

/** The Extend modal filled in for this person's grant, or saying why they cannot extend it. */
async function extensionFormFor(deps: GrantButtonDeps, requestId: number, userId: string, responseUrl: string | undefined): Promise<View> {
  try {
    const grant = await deps.useCases.extensionForm(requestId, userId);
    return extendModal({ requestId, resourceId: grant.resource.id, levelId: grant.level.id, responseUrl }, grant);
  } catch (error) {
    return extendRefusedModal(requestId, errorReply(error, deps.logger));
  }
}

/** Only the clicker sees it: under the message they clicked (which stays as it is), or by DM from App Home. */
async function answerClicker({ body, respond, client }: ButtonArgs, text: string): Promise<void> {
  if (responseUrlOf(body)) await respond({ response_type: 'ephemeral', replace_original: false, text });
  else await directMessage(client, body.user.id, text);
}

/** A click in a message carries a response_url; one in a view (App Home) has none. */
function responseUrlOf(body: BlockButtonAction): string | undefined {
  return body.response_url || undefined;
}
