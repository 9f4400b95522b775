import type { AllMiddlewareArgs, BlockButtonAction, RespondFn, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '../../../shared/logger';
import { denyModal } from '../../render/deny-modal';
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
 * The Approve and Deny buttons of the approval message. The button's value only names the request; who
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

export function denyClicked(deps: Pick<DecideDeps, 'logger'>) {
  return async ({ ack, action, body, respond, client }: ButtonArgs): Promise<void> => {
    await ack();
    try {
      // The trigger_id dies 3 s after the click, so the modal opens before anything else is asked of
      // the database or Slack; the click's response_url carries the outcome back to this conversation.
      const requestId = requireId(action.value);
      await client.views.open({ trigger_id: body.trigger_id, view: denyModal({ requestId, responseUrl: body.response_url }) });
    } catch (error) {
      await answer(respond, errorReply(error, deps.logger));
    }
  };
}

/** Only the clicker sees it, under the message they clicked, which stays as it is. */
function answer(respond: RespondFn, text: string): Promise<unknown> {
  return respond({ response_type: 'ephemeral', replace_original: false, text });
}

/** The request a button names; a value prod-access never put on a button is an error. */
export function requireId(value: string | undefined): number {
  const id = parseRequestId(value);
  if (id === undefined) throw new Error(`button value "${value}" is not a request id`);
  return id;
}
