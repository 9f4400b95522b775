import type { App } from '@slack/bolt';
import type { Catalog } from '../../../domain/catalog';
import type { Logger } from '../../../shared/logger';
import { helpText, requestList } from '../../render/notices';
import { requestModal } from '../../render/request-modal';
import { errorReply } from '../replies';
import type { SlackUseCases } from '../use-cases';
import { type Command, parseCommand } from './parse';

export const COMMAND = '/prod-access';

export interface CommandDeps {
  catalog: Catalog;
  useCases: Pick<SlackUseCases, 'submitRequest' | 'submitExtension' | 'listRequests' | 'requestEarlyRevoke'>;
  logger: Logger;
}

export function register(app: App, deps: CommandDeps): void {
  app.command(COMMAND, async ({ command, ack, respond, client }) => {
    await ack();
    try {
      const reply = await run(parseCommand(command.text), command.user_id, async () => {
        // The outcome goes back through the command's response_url: it reaches the user in any
        // conversation, including those the bot is not a member of.
        await client.views.open({
          trigger_id: command.trigger_id,
          view: requestModal(deps.catalog, { responseUrl: command.response_url }),
        });
      });
      if (reply) await respond({ response_type: 'ephemeral', text: reply });
    } catch (error) {
      await respond({ response_type: 'ephemeral', text: errorReply(error, deps.logger) });
    }
  });

  async function run(command: Command, userId: string, openModal: () => Promise<void>): Promise<string | undefined> {
    switch (command.kind) {
      case 'modal':
        await openModal();
        return undefined;
      case 'help':
        return helpText(deps.catalog.resources);
      case 'list':
        return requestList(await deps.useCases.listRequests(userId));
      case 'revoke': {
        const request = await deps.useCases.requestEarlyRevoke(command.requestId, userId);
        return request.status === 'REVOKED'
          ? `Request #${command.requestId} was revoked before its grant was applied.`
          : `Revoking #${command.requestId} now; you will get a message when the access is removed.`;
      }
      case 'request': {
        const request = await deps.useCases.submitRequest(userId, command.input);
        return `Request #${request.id} sent to the owners for approval. You will get a DM at each step.`;
      }
      case 'extend': {
        const request = await deps.useCases.submitExtension(userId, command.input);
        return `Request #${request.id}, extending #${command.input.requestId}, sent to the owners for approval. Until it is granted, #${command.input.requestId} still ends at its own time.`;
      }
    }
  }
}
