import type { App } from '@slack/bolt';
import type { Catalog } from '../../domain/catalog';
import { ProdAccessError } from '../../domain/errors';
import type { Logger } from '../../logger';
import { helpText, requestList } from '../blocks/notices';
import { requestModal } from '../blocks/request-modal';
import { errorReply, parseRequestId } from '../replies';
import type { SlackUseCases } from '../use-cases';

export const COMMAND = '/prod-access';

export interface CommandDeps {
  catalog: Catalog;
  useCases: Pick<SlackUseCases, 'submitRequest' | 'listRequests' | 'requestEarlyRevoke'>;
  logger: Logger;
}

/** Where a modal's outcome is reported: the channel the command was typed in. */
export interface ModalOrigin {
  channelId: string;
}

export function register(app: App, deps: CommandDeps): void {
  app.command(COMMAND, async ({ command, ack, respond, client }) => {
    await ack();
    const [sub = '', ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    try {
      const reply = await run(sub.toLowerCase(), args, command.user_id, async () => {
        const origin: ModalOrigin = { channelId: command.channel_id };
        await client.views.open({ trigger_id: command.trigger_id, view: requestModal(deps.catalog, JSON.stringify(origin)) });
      });
      if (reply) await respond({ response_type: 'ephemeral', text: reply });
    } catch (error) {
      await respond({ response_type: 'ephemeral', text: errorReply(error, deps.logger) });
    }
  });

  async function run(sub: string, args: string[], userId: string, openModal: () => Promise<void>): Promise<string | undefined> {
    switch (sub) {
      case '':
        await openModal();
        return undefined;
      case 'help':
        return helpText(deps.catalog.resources);
      case 'list':
        return requestList(await deps.useCases.listRequests(userId));
      case 'revoke': {
        const id = parseRequestId(args[0]);
        if (id === undefined || args.length > 1) throw usage('revoke <id>, e.g. `/prod-access revoke 42`');
        const request = await deps.useCases.requestEarlyRevoke(id, userId);
        return request.status === 'REVOKED'
          ? `Request #${id} was revoked before its grant was applied.`
          : `Revoking #${id} now; you will get a message when the access is removed.`;
      }
      case 'request': {
        const [resourceId = '', levelId = '', duration = '', ...reason] = args;
        if (!resourceId || !levelId || !duration) {
          throw usage(
            'request <resource> <level> <duration> <reason…>, e.g. `/prod-access request orders-db read-only 2h debugging INC-42`',
          );
        }
        const request = await deps.useCases.submitRequest(userId, { resourceId, levelId, duration, reason: reason.join(' ') });
        return `Request #${request.id} sent to the owners for approval. You will get a DM at each step.`;
      }
      default:
        throw usage('help, list, request or revoke');
    }
  }
}

function usage(expected: string): ProdAccessError {
  return new ProdAccessError('INVALID_COMMAND', `Usage: /prod-access ${expected}. Type \`/prod-access help\` for more.`);
}
