import type {
  AllMiddlewareArgs,
  BlockAction,
  ExternalSelectAction,
  SlackActionMiddlewareArgs,
  SlackOptionsMiddlewareArgs,
  SlackViewMiddlewareArgs,
  StaticSelectAction,
  ViewSubmitAction,
} from '@slack/bolt';
import type { Catalog } from '../../../domain/catalog';
import { isProdAccessError } from '../../../domain/errors';
import { type RequestInput, validateRequest } from '../../../domain/policy';
import { parseStart, resolveStart } from '../../../domain/scheduled-start';
import type { Logger } from '../../../shared/logger';
import { requestAnswer } from '../../render/replies';
import { REQUEST_FIELDS, requestModal, resourceOptions } from '../../render/request-modal';
import { errorReply, tellUser } from '../replies';
import type { SlackUseCases } from '../use-cases';
import { FORGED_FORM, readMetadata, RequestModalMetadata } from './metadata';
import { fieldValue, pickedInstant, type ViewValues } from './state';

export interface RequestViewDeps {
  catalog: Catalog;
  useCases: Pick<SlackUseCases, 'submitRequest'>;
  logger: Logger;
}

export type ResourceSelectArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<StaticSelectAction | ExternalSelectAction>>;
export type ResourceOptionsArgs = AllMiddlewareArgs & SlackOptionsMiddlewareArgs<'block_suggestion'>;
export type SubmitArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/** A resource was chosen: the same modal again, now offering that resource's levels. */
export function resourceChosen(deps: Pick<RequestViewDeps, 'catalog' | 'logger'>) {
  return async ({ ack, action, body, client }: ResourceSelectArgs): Promise<void> => {
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
  };
}

/** The external resource select (more resources than a select lists) asks for what matches the typing. */
export function resourceSuggestions(deps: Pick<RequestViewDeps, 'catalog'>) {
  return async ({ ack, options }: ResourceOptionsArgs): Promise<void> => {
    await ack({ options: resourceOptions(deps.catalog, options.value) });
  };
}

/**
 * The request modal's submission. Catalog checks are pure and fast, so their errors come back inside
 * the modal, next to the field; the request itself is made after the ack, as the signed user.
 */
export function requestSubmitted(deps: RequestViewDeps) {
  return async ({ ack, view, body, client }: SubmitArgs): Promise<void> => {
    const metadata = readMetadata(RequestModalMetadata, view.private_metadata, client.slackApiUrl);
    if (!metadata) {
      deps.logger.warn({ user: body.user.id }, 'request modal submitted with metadata prod-access did not write');
      await ack({ response_action: 'errors', errors: { [REQUEST_FIELDS.resource]: FORGED_FORM } });
      return;
    }
    const values = view.state.values as ViewValues;
    const startsAt = pickedInstant(values, REQUEST_FIELDS.start);
    const input: RequestInput = {
      resourceId: fieldValue(values, REQUEST_FIELDS.resource),
      levelId: fieldValue(values, REQUEST_FIELDS.level),
      duration: fieldValue(values, REQUEST_FIELDS.duration),
      reason: fieldValue(values, REQUEST_FIELDS.reason),
      ticketUrl: fieldValue(values, REQUEST_FIELDS.ticket),
      ...(startsAt && { start: { at: startsAt } }),
    };
    // An error about a field not shown yet (no level before a resource is chosen) goes next to the resource.
    try {
      validateRequest(deps.catalog, input);
      // A picked instant needs no time zone, so its limits are checked here too (and again when it is stored).
      if (input.start) resolveStart(parseStart(input.start), new Date(), null);
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
      text = requestAnswer(await deps.useCases.submitRequest(userId, input));
    } catch (error) {
      text = errorReply(error, deps.logger);
    }
    await tellUser(client, userId, metadata.responseUrl, text, deps.logger);
  };
}
