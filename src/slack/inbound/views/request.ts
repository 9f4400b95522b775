import type { App, BlockAction, ExternalSelectAction, StaticSelectAction, ViewStateValue } from '@slack/bolt';
import type { Catalog } from '../../../domain/catalog';
import { isProdAccessError } from '../../../domain/errors';
import { type RequestInput, validateRequest } from '../../../domain/policy';
import type { Logger } from '../../../shared/logger';
import { REQUEST_FIELDS, REQUEST_MODAL, RESOURCE_SELECT, requestModal, resourceOptions } from '../../render/request-modal';
import { errorReply, tellUser } from '../replies';
import type { SlackUseCases } from '../use-cases';
import { FORGED_FORM, readMetadata, RequestModalMetadata } from './metadata';

export interface RequestViewDeps {
  catalog: Catalog;
  useCases: Pick<SlackUseCases, 'submitRequest'>;
  logger: Logger;
}

type Values = Record<string, Record<string, ViewStateValue>>;

/** An input's value: each input block holds one element, whatever its action id. */
export function fieldValue(values: Values, blockId: string): string {
  const state = Object.values(values[blockId] ?? {})[0];
  return state?.selected_option?.value ?? state?.value ?? '';
}

const resourceSelect = { block_id: REQUEST_FIELDS.resource, action_id: RESOURCE_SELECT };

export function register(app: App, deps: RequestViewDeps): void {
  // A resource was chosen: the same modal again, now offering that resource's levels.
  app.action<BlockAction<StaticSelectAction | ExternalSelectAction>>(resourceSelect, async ({ ack, action, body, client }) => {
    await ack();
    const view = body.view;
    const chosen = deps.catalog.resources.find((r) => r.id === action.selected_option?.value);
    const metadata = view && readMetadata(RequestModalMetadata, view.private_metadata, client.slackApiUrl);
    if (!view || !chosen || !metadata) return;
    try {
      // The hash makes Slack refuse this update if a later choice already replaced the view.
      await client.views.update({ view_id: view.id, hash: view.hash, view: requestModal(deps.catalog, metadata, chosen) });
    } catch (error) {
      deps.logger.warn({ err: error }, 'request modal not updated with the chosen resource');
    }
  });

  // The external resource select (more resources than a select lists) asks for what matches the typing.
  app.options<'block_suggestion'>(resourceSelect, async ({ ack, options }) => {
    await ack({ options: resourceOptions(deps.catalog, options.value) });
  });

  app.view(REQUEST_MODAL, async ({ ack, view, body, client }) => {
    const metadata = readMetadata(RequestModalMetadata, view.private_metadata, client.slackApiUrl);
    if (!metadata) {
      deps.logger.warn({ user: body.user.id }, 'request modal submitted with metadata prod-access did not write');
      await ack({ response_action: 'errors', errors: { [REQUEST_FIELDS.resource]: FORGED_FORM } });
      return;
    }
    const values = view.state.values as Values;
    const input: RequestInput = {
      resourceId: fieldValue(values, REQUEST_FIELDS.resource),
      levelId: fieldValue(values, REQUEST_FIELDS.level),
      duration: fieldValue(values, REQUEST_FIELDS.duration),
      reason: fieldValue(values, REQUEST_FIELDS.reason),
      ticketUrl: fieldValue(values, REQUEST_FIELDS.ticket),
    };
    // Catalog checks are pure and fast, so their errors come back inside the modal, next to the field
    // (or next to the resource, when the field is not shown yet: no level before a resource is chosen).
    try {
      validateRequest(deps.catalog, input);
    } catch (error) {
      if (isProdAccessError(error) && error.field) {
        const block = error.field in values ? error.field : REQUEST_FIELDS.resource;
        await ack({ response_action: 'errors', errors: { [block]: error.message } });
        return;
      }
      throw error;
    }
    await ack();
    const userId = body.user.id;
    let text: string;
    try {
      const request = await deps.useCases.submitRequest(userId, input);
      text = `Request #${request.id} sent to the owners for approval. You will get a DM at each step.`;
    } catch (error) {
      text = errorReply(error, deps.logger);
    }
    await tellUser(client, userId, metadata.responseUrl, text, deps.logger);
  });
}
