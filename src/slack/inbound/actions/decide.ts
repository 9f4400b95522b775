import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '../../../shared/logger';
import type { View } from '@slack/types';
import { directMessage } from '../../outbound/direct-message';
import { denyModal } from '../../render/deny-modal';
import { reviewModal } from '../../render/review-modal';
import { decisionAnswer } from '../../render/replies';
import { errorReply } from '../replies';
import { parseRequestId } from '../request-id';
import type { SlackUseCases } from '../use-cases';

export interface DecideDeps {
  useCases: Pick<SlackUseCases, 'approveRequest'>;
  logger: Logger;
}

export type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>;

/*
 * The Approve and Deny buttons of the approval message and of approvers' App Homes (and Reviewed, of a
 * break-glass message). The button's value only names the request; who may decide is checked server-side
 * from the signed user id and the catalog: at the click for Approve, at the modal's submit for Deny.
 */

export function approveClicked(deps: DecideDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    const { ack, action, body } = args;
    await ack();
    try {
      const requestId = requireId(action.value);
      const result = await deps.useCases.approveRequest(requestId, body.user.id);
      await answer(args, decisionAnswer(requestId, result));
    } catch (error) {
      await answer(args, errorReply(error, deps.logger));
    }
  };
}

/** A button that opens a modal about its request; who may act is checked when the modal is submitted. */
function opensModal(modal: (metadata: { requestId: number; responseUrl: string | undefined }) => View) {
  return (deps: Pick<DecideDeps, 'logger'>) =>
    async (args: ButtonArgs): Promise<void> => {
      const { ack, action, body, client } = args;
      await ack();
      try {
        // The trigger_id dies 3 s after the click, so the modal opens before anything else is asked of
        // the database or Slack; the click's response_url carries the outcome back to this conversation
        // (a click in App Home has none: the outcome goes by DM).
        const requestId = requireId(action.value);
        await client.views.open({ trigger_id: body.trigger_id, view: modal({ requestId, responseUrl: body.response_url }) });
      } catch (error) {
        await answer(args, errorReply(error, deps.logger));
      }
    };
}

export const denyClicked = opensModal(denyModal);

/** The break-glass message's **Reviewed**: the review modal, for its comment. */
export const reviewClicked = opensModal(reviewModal);

/**
 * Only the clicker sees it, under the message they clicked, which stays as it is. A click in App Home
 * comes with no response_url (Bolt gives no `respond`): the answer goes to the clicker's DM with the app,
 * the Messages tab next to Home, where it stays (the home itself is re-published by the change).
 */
function answer({ respond, client, body }: ButtonArgs, text: string): Promise<unknown> {
  if (body.response_url) return respond({ response_type: 'ephemeral', replace_original: false, text });
  return directMessage(client, body.user.id, text);
}

/** The request a button names; a value prod-access never put on a button is an error. */
export function requireId(value: string | undefined): number {
  const id = parseRequestId(value);
  if (id === undefined) throw new Error(`button value "${value}" is not a request id`);
  return id;
}
