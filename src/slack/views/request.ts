import type { App, ViewStateValue } from '@slack/bolt';
import type { Catalog } from '../../domain/catalog';
import { isProdAccessError } from '../../domain/errors';
import { type RequestInput, validateRequest } from '../../domain/policy';
import type { Logger } from '../../logger';
import { REQUEST_FIELDS, REQUEST_MODAL } from '../blocks/request-modal';
import type { ModalOrigin } from '../commands/prod-access';
import { errorReply } from '../replies';
import type { SlackUseCases } from '../use-cases';

export interface RequestViewDeps {
  catalog: Catalog;
  useCases: Pick<SlackUseCases, 'submitRequest'>;
  logger: Logger;
}

type Values = Record<string, Record<string, ViewStateValue>>;

export function fieldValue(values: Values, blockId: string): string {
  const state = values[blockId]?.value;
  return state?.selected_option?.value ?? state?.value ?? '';
}

export function register(app: App, deps: RequestViewDeps): void {
  app.view(REQUEST_MODAL, async ({ ack, view, body, client }) => {
    const values = view.state.values as Values;
    const input: RequestInput = {
      resourceId: fieldValue(values, REQUEST_FIELDS.resource),
      levelId: fieldValue(values, REQUEST_FIELDS.level),
      duration: fieldValue(values, REQUEST_FIELDS.duration),
      reason: fieldValue(values, REQUEST_FIELDS.reason),
      ticketUrl: fieldValue(values, REQUEST_FIELDS.ticket),
    };
    // Catalog checks are pure and fast, so their errors come back inside the modal, next to the field.
    try {
      validateRequest(deps.catalog, input);
    } catch (error) {
      if (isProdAccessError(error) && error.field) {
        await ack({ response_action: 'errors', errors: { [error.field]: error.message } });
        return;
      }
      throw error;
    }
    await ack();
    const userId = body.user.id;
    const origin = parseOrigin(view.private_metadata);
    let text: string;
    try {
      const request = await deps.useCases.submitRequest(userId, input);
      text = `Request #${request.id} sent to the owners for approval. You will get a DM at each step.`;
    } catch (error) {
      text = errorReply(error, deps.logger);
    }
    if (origin) {
      await client.chat.postEphemeral({ channel: origin.channelId, user: userId, text });
    } else {
      const dm = await client.conversations.open({ users: userId });
      await client.chat.postMessage({ channel: dm.channel!.id!, text });
    }
  });
}

function parseOrigin(metadata: string): ModalOrigin | undefined {
  try {
    const parsed = JSON.parse(metadata) as Partial<ModalOrigin>;
    return typeof parsed.channelId === 'string' ? { channelId: parsed.channelId } : undefined;
  } catch {
    return undefined;
  }
}
