import type { App, BlockButtonAction } from '@slack/bolt';
import type { DecisionResult } from '../../../app/decisions';
import type { Logger } from '../../../shared/logger';
import { statusWords } from '../../../domain/lifecycle';
import { APPROVE_ACTION, DENY_ACTION } from '../../render/approval-message';
import { denyModal } from '../../render/request-modal';
import { errorReply, parseRequestId } from '../replies';
import type { SlackUseCases } from '../use-cases';

export interface DecideDeps {
  useCases: Pick<SlackUseCases, 'approveRequest'>;
  logger: Logger;
}

/**
 * Approve and Deny buttons. The button's value only names the request; who may decide is checked
 * server-side from the signed user id and the catalog: at the click for Approve, at the modal's submit
 * for Deny.
 */
export function register(app: App, deps: DecideDeps): void {
  app.action<BlockButtonAction>(APPROVE_ACTION, async ({ ack, action, body, respond }) => {
    await ack();
    try {
      const requestId = requireId(action.value);
      const result = await deps.useCases.approveRequest(requestId, body.user.id);
      await respond({ response_type: 'ephemeral', replace_original: false, text: describe(requestId, result) });
    } catch (error) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: errorReply(error, deps.logger) });
    }
  });

  app.action<BlockButtonAction>(DENY_ACTION, async ({ ack, action, body, respond, client }) => {
    await ack();
    try {
      // The trigger_id dies 3 s after the click, so the modal opens before anything else is asked of
      // the database or Slack; the click's response_url carries the outcome back to this conversation.
      const requestId = requireId(action.value);
      await client.views.open({ trigger_id: body.trigger_id, view: denyModal({ requestId, responseUrl: body.response_url }) });
    } catch (error) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: errorReply(error, deps.logger) });
    }
  });
}

export function describe(requestId: number, result: DecisionResult): string {
  switch (result.kind) {
    case 'approved':
      return `You approved #${requestId}; access is being granted.`;
    case 'approval_recorded':
      return `Your approval of #${requestId} is recorded (${result.approvals} of ${result.required}).`;
    case 'denied':
      return `You denied #${requestId}.`;
    case 'already_decided':
      return `#${requestId} was already decided (${statusWords(result.status)}); nothing changed.`;
  }
}

function requireId(value: string | undefined): number {
  const id = parseRequestId(value);
  if (id === undefined) throw new Error(`button value "${value}" is not a request id`);
  return id;
}
