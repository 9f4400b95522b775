import type { App } from '@slack/bolt';
import type { Logger } from '../../logger';
import { describe } from '../actions/decide';
import { DENY_COMMENT_FIELD, DENY_MODAL } from '../blocks/request-modal';
import { errorReply } from '../replies';
import type { SlackUseCases } from '../use-cases';
import { fieldValue } from './request';

export interface DenyViewDeps {
  useCases: Pick<SlackUseCases, 'denyRequest'>;
  logger: Logger;
}

/** The Deny modal's submission. Authorization was checked before it opened and is checked again here. */
export function register(app: App, deps: DenyViewDeps): void {
  app.view(DENY_MODAL, async ({ ack, view, body, client }) => {
    await ack();
    let text: string;
    try {
      const requestId = Number((JSON.parse(view.private_metadata) as { requestId: unknown }).requestId);
      const result = await deps.useCases.denyRequest(requestId, body.user.id, fieldValue(view.state.values, DENY_COMMENT_FIELD));
      text = describe(requestId, result);
    } catch (error) {
      text = errorReply(error, deps.logger);
    }
    const dm = await client.conversations.open({ users: body.user.id });
    await client.chat.postMessage({ channel: dm.channel!.id!, text });
  });
}
