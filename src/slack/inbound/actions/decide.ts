import type { AllMiddlewareArgs, BlockButtonAction, RespondFn, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '../../../shared/logger';
import type { View } from '@slack/types';
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
 * The Approve and Deny buttons of the approval message (and Reviewed, of a break-glass one). The button's value only names the request; who
 * may decide is checked server-side from the signed user id and the catalog: at the click for Approve,
 * at the modal's submit for Deny.
 */

export function approveClicked(deps: DecideDeps) {
  return async ({ ack, action, body, respond }: ButtonArgs): Promise<void> => {
    await ack();
    try {
      const requestId = requireId(action.value);
      const result = await deps.useCases.approveRequest(requestId, body.user.id);
      await answer(respond, decisionAnswer(requestId, result));
    } catch (error) {
      await answer(respond, errorReply(error, deps.logger));
    }
  };
}

/** A button that opens a modal about its request; who may act is checked when the modal is submitted. */
function opensModal(modal: (metadata: { requestId: number; responseUrl: string }) => View) {
  return (deps: Pick<DecideDeps, 'logger'>) =>
    async ({ ack, action, body, respond, client }: ButtonArgs): Promise<void> => {
      await ack();
      try {
        // The trigger_id dies 3 s after the click, so the modal opens before anything else is asked of
        // the database or Slack; the click's response_url carries the outcome back to this conversation.
        const requestId = requireId(action.value);
        await client.views.open({ trigger_id: body.trigger_id, view: modal({ requestId, responseUrl: body.response_url }) });
      } catch (error) {
        await answer(respond, errorReply(error, deps.logger));
      }
    };
}

export const denyClicked = opensModal(denyModal);

/** The break-glass message's **Reviewed**: the review modal, for its comment. */
export const reviewClicked = opensModal(reviewModal);

/** Only the clicker sees it, under the message they clicked, which stays as it is. */
function answer(respond: RespondFn, text: string): Promise<unknown> {
  return respond({ response_type: 'ephemeral', replace_original: false, text });
}

function requireId(value: string | undefined): number {
  const id = parseRequestId(value);
  if (id === undefined) throw new Error(`button value "${value}" is not a request id`);
  return id;
}
