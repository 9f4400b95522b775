import type { KnownBlock, View } from '@slack/types';
import type { Catalog, Resource } from '../../domain/catalog';
import { MAX_REASON_LENGTH, MAX_TICKET_URL_LENGTH } from '../../domain/policy';
import { MAX_START_AHEAD_SECONDS } from '../../domain/scheduled-start';
import type { RequestModalMetadata } from '../inbound/views/metadata';
import { formatDuration } from './format';

export const REQUEST_MODAL = 'request_access';

/** Block ids of the request modal, named after the request fields their errors are about. */
export const REQUEST_FIELDS = {
  resource: 'resource',
  level: 'level',
  duration: 'duration',
  start: 'start',
  reason: 'reason',
  ticket: 'ticket',
} as const;

/** Slack's limits: a select offers at most 100 options, an option's text at most 75 characters. */
export const MAX_SELECT_OPTIONS = 100;
const MAX_OPTION_TEXT = 75;

/** The resource select: choosing a resource re-renders the modal with that resource's levels. */
export const RESOURCE_SELECT = 'choose_resource';

const plainText = (text: string) => ({ type: 'plain_text' as const, text: text.slice(0, MAX_OPTION_TEXT) });

const resourceOption = (resource: Resource) => ({ value: resource.id, text: plainText(`${resource.name} (${resource.id})`) });

/** The resources whose id or name contains what was typed in the external select, at most a select's worth. */
export function resourceOptions(catalog: Catalog, query: string) {
  const typed = query.trim().toLowerCase();
  return catalog.resources
    .filter((r) => r.id.includes(typed) || r.name.toLowerCase().includes(typed))
    .slice(0, MAX_SELECT_OPTIONS)
    .map(resourceOption);
}

/**
 * The ticket field of a form opened from a message shortcut: `linking` until chat.getPermalink answers,
 * then the message's link, or `unlinked` when Slack gave none. While linking, the field is left out, so
 * the update that brings the link adds it: Slack keeps the state of an input it already shows (same
 * block and action ids) and would ignore a new initial value there.
 */
export type MessageLink = 'linking' | 'unlinked' | { permalink: string };

/**
 * The form `/prod-access` and the shortcuts open. The resource comes first; once one is chosen (`chosen`),
 * the modal is updated to offer that resource's levels. With more resources than a select can list, the
 * resource select loads its options as the user types (an external select).
 */
export function requestModal(catalog: Catalog, metadata: RequestModalMetadata, chosen?: Resource, messageLink?: MessageLink): View {
  const external = catalog.resources.length > MAX_SELECT_OPTIONS;
  return {
    type: 'modal',
    callback_id: REQUEST_MODAL,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Request prod access' },
    submit: { type: 'plain_text', text: 'Request' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: REQUEST_FIELDS.resource,
        // Sends the choice at once (block_actions), so the level select can follow it.
        dispatch_action: true,
        label: { type: 'plain_text', text: 'Resource' },
        element: {
          ...(external
            ? { type: 'external_select' as const, min_query_length: 0 }
            : { type: 'static_select' as const, options: catalog.resources.map(resourceOption) }),
          action_id: RESOURCE_SELECT,
          placeholder: { type: 'plain_text', text: external ? 'Type to find a resource' : 'Choose a resource' },
          ...(chosen && { initial_option: resourceOption(chosen) }),
        },
      },
      chosen
        ? {
            type: 'input',
            block_id: REQUEST_FIELDS.level,
            label: { type: 'plain_text', text: 'Access level' },
            element: {
              type: 'static_select',
              // One action id per resource, so a level picked for another resource is not carried over.
              action_id: `level-${chosen.id}`,
              placeholder: { type: 'plain_text', text: 'Choose a level' },
              options: chosen.levels.slice(0, MAX_SELECT_OPTIONS).map((level) => ({
                value: level.id,
                text: plainText(`${level.id}, up to ${formatDuration(level.maxDurationSeconds)}`),
              })),
            },
          }
        : {
            type: 'context',
            elements: [{ type: 'plain_text', text: 'Choose a resource first: its access levels appear here.' }],
          },
      {
        type: 'input',
        block_id: REQUEST_FIELDS.duration,
        optional: true,
        label: { type: 'plain_text', text: 'Duration' },
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          placeholder: { type: 'plain_text', text: '30m, 2h, 1h30m… (empty: the level’s default)' },
        },
      },
      {
        type: 'input',
        block_id: REQUEST_FIELDS.start,
        optional: true,
        label: { type: 'plain_text', text: 'Start' },
        // Slack's picker shows the person's own time zone and gives back a UNIX timestamp.
        element: { type: 'datetimepicker', action_id: 'value' },
        hint: {
          type: 'plain_text',
          text: `Empty: as soon as it is approved. At most ${MAX_START_AHEAD_SECONDS / 86_400} days ahead; the duration counts from the start.`,
        },
      },
      {
        type: 'input',
        block_id: REQUEST_FIELDS.reason,
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: MAX_REASON_LENGTH },
      },
      ticketBlock(messageLink),
    ],
  };
}

function ticketBlock(messageLink: MessageLink | undefined): KnownBlock {
  if (messageLink === 'linking')
    return { type: 'context', elements: [{ type: 'plain_text', text: 'Linking the message you started from…' }] };
  const permalink = typeof messageLink === 'object' ? messageLink.permalink : undefined;
  return {
    type: 'input',
    block_id: REQUEST_FIELDS.ticket,
    optional: true,
    label: { type: 'plain_text', text: 'Ticket link' },
    element: {
      type: 'plain_text_input',
      action_id: 'value',
      max_length: MAX_TICKET_URL_LENGTH,
      placeholder: { type: 'plain_text', text: 'https://…' },
      ...(permalink && { initial_value: permalink }),
    },
    ...(messageLink && {
      hint: {
        type: 'plain_text',
        text: permalink
          ? 'The message you started from; the approvers see this link.'
          : 'Slack did not give the link of the message you started from: paste it here (its ⋯ menu, Copy link).',
      },
    }),
  };
}
