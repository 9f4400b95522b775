import type { View } from '@slack/types';
import type { Catalog } from '../../domain/catalog';
import { MAX_TICKET_URL_LENGTH } from '../../domain/policy';
import { formatDuration } from './format';

export const REQUEST_MODAL = 'request_access';
export const DENY_MODAL = 'deny_request';

/** Block ids of the request modal, named after the request fields their errors are about. */
export const REQUEST_FIELDS = { resource: 'resource', level: 'level', duration: 'duration', reason: 'reason', ticket: 'ticket' } as const;
export const DENY_COMMENT_FIELD = 'comment';

const option = (value: string, text: string) => ({ value, text: { type: 'plain_text' as const, text: text.slice(0, 75) } });

/** The form `/prod-access` opens; its choices come from the catalog. */
export function requestModal(catalog: Catalog, privateMetadata: string): View {
  const levelIds = [...new Set(catalog.resources.flatMap((r) => r.levels.map((l) => l.id)))];
  return {
    type: 'modal',
    callback_id: REQUEST_MODAL,
    private_metadata: privateMetadata,
    title: { type: 'plain_text', text: 'Request prod access' },
    submit: { type: 'plain_text', text: 'Request' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: REQUEST_FIELDS.resource,
        label: { type: 'plain_text', text: 'Resource' },
        element: {
          type: 'static_select',
          action_id: 'value',
          placeholder: { type: 'plain_text', text: 'Choose a resource' },
          options: catalog.resources.slice(0, 100).map((r) => option(r.id, `${r.name} (${r.id})`)),
        },
      },
      {
        type: 'input',
        block_id: REQUEST_FIELDS.level,
        label: { type: 'plain_text', text: 'Access level' },
        element: {
          type: 'static_select',
          action_id: 'value',
          placeholder: { type: 'plain_text', text: 'Choose a level' },
          options: levelIds.slice(0, 100).map((id) => option(id, id)),
        },
        hint: {
          type: 'plain_text',
          text: catalog.resources
            .map((r) => `${r.id}: ${r.levels.map((l) => `${l.id} ≤ ${formatDuration(l.maxDurationSeconds)}`).join(', ')}`)
            .join('; ')
            .slice(0, 2000),
        },
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
        block_id: REQUEST_FIELDS.reason,
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 1000 },
      },
      {
        type: 'input',
        block_id: REQUEST_FIELDS.ticket,
        optional: true,
        label: { type: 'plain_text', text: 'Ticket link' },
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          max_length: MAX_TICKET_URL_LENGTH,
          placeholder: { type: 'plain_text', text: 'https://…' },
        },
      },
    ],
  };
}

/** Deny asks for an optional reason before it takes effect. */
export function denyModal(requestId: number): View {
  return {
    type: 'modal',
    callback_id: DENY_MODAL,
    private_metadata: JSON.stringify({ requestId }),
    title: { type: 'plain_text', text: `Deny request #${requestId}`.slice(0, 24) },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: DENY_COMMENT_FIELD,
        optional: true,
        label: { type: 'plain_text', text: 'Reason (shown to the requester)' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 500 },
      },
    ],
  };
}
