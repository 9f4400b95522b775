import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Logger } from '../../../shared/logger';
import { DENY_COMMENT_FIELD } from '../../render/deny-modal';
import { decisionAnswer } from '../../render/replies';
import { errorReply, tellUser } from '../replies';
import type { SlackUseCases } from '../use-cases';
import { DenyModalMetadata, FORGED_FORM, readMetadata } from './metadata';
import { fieldValue } from './state';

export interface DenyViewDeps {
  useCases: Pick<SlackUseCases, 'denyRequest'>;
  logger: Logger;
}

export type DenySubmitArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/**
 * The Deny modal's submission, where who may deny is checked: from the signed user id and the catalog
 * (the metadata only names the request). The outcome goes back where the click was, or by DM.
 */
export function denySubmitted(deps: DenyViewDeps) {
  return async ({ ack, view, body, client }: DenySubmitArgs): Promise<void> => {
    const metadata = readMetadata(DenyModalMetadata, view.private_metadata, client.slackApiUrl);
    if (!metadata) {
      deps.logger.warn({ user: body.user.id }, 'Deny modal submitted with metadata prod-access did not write');
      await ack({ response_action: 'errors', errors: { [DENY_COMMENT_FIELD]: FORGED_FORM } });
      return;
    }
    await ack();
    let text: string;
    try {
      const result = await deps.useCases.denyRequest(metadata.requestId, body.user.id, fieldValue(view.state.values, DENY_COMMENT_FIELD));
      text = decisionAnswer(metadata.requestId, result);
    } catch (error) {
      text = errorReply(error, deps.logger);
    }
    await tellUser(client, body.user.id, metadata.responseUrl, text, deps.logger);
  };
}
