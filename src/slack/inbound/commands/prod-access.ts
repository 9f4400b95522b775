import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Catalog } from '../../../domain/catalog';
import type { Logger } from '../../../shared/logger';
import { breakGlassAnswer, earlyRevokeAnswer, extensionAnswer, helpText, requestAnswer, requestList } from '../../render/replies';
import { requestModal } from '../../render/request-modal';
import { openModal } from '../modals';
import { errorReply } from '../replies';
import type { SlackUseCases } from '../use-cases';
import { type Command, parseCommand } from './parse';

/** The slash command, as the app manifest declares it. */
export const COMMAND = '/prod-access';

export interface CommandDeps {
  catalog: Catalog;
  useCases: Pick<SlackUseCases, 'submitRequest' | 'submitExtension' | 'listRequests' | 'requestEarlyRevoke' | 'submitBreakGlass'>;
  logger: Logger;
}

export type CommandArgs = AllMiddlewareArgs & SlackCommandMiddlewareArgs;

/**
 * `/prod-access …`: acked at once, then done as the signed user; the answer is ephemeral, and bare, the
 * command opens the request modal instead.
 */
export function prodAccessCommand(deps: CommandDeps) {
  return async ({ command, ack, respond, client }: CommandArgs): Promise<void> => {
    await ack();
    try {
      const reply = await run(deps, parseCommand(command.text), command.user_id, async () => {
        // The outcome goes back through the command's response_url: it reaches the user in any
        // conversation, including those the bot is not a member of.
        await openModal(client, command.trigger_id, requestModal(deps.catalog, { responseUrl: command.response_url }), deps.logger);
      });
      if (reply) await respond({ response_type: 'ephemeral', text: reply });
    } catch (error) {
      await respond({ response_type: 'ephemeral', text: errorReply(error, deps.logger) });
    }
  };
}

async function run(deps: CommandDeps, command: Command, userId: string, openModal: () => Promise<void>): Promise<string | undefined> {
  switch (command.kind) {
    case 'modal':
      await openModal();
      return undefined;
    case 'help':
      return helpText(deps.catalog.resources);
    case 'list':
      return requestList(await deps.useCases.listRequests(userId));
    case 'revoke':
      return earlyRevokeAnswer(await deps.useCases.requestEarlyRevoke(command.requestId, userId));
    case 'request':
      return requestAnswer(await deps.useCases.submitRequest(userId, command.input));
    case 'break-glass':
      return breakGlassAnswer(await deps.useCases.submitBreakGlass(userId, command.input));
    case 'extend':
      return extensionAnswer(await deps.useCases.submitExtension(userId, command.input), command.input.requestId);
  }
}
