import type { View } from '@slack/types';
import type { AccessLevel, Resource } from '../../domain/catalog';
import { MAX_REASON_LENGTH } from '../../domain/policy';
import type { AccessRequestRecord } from '../../domain/request';
import type { ExtendModalMetadata } from '../inbound/views/metadata';
import { formatDuration, plain, slackDate } from './format';

export const EXTEND_MODAL = 'extend_grant';

/** Block ids of the Extend modal, named after the request fields their errors are about. */
export const EXTEND_FIELDS = { duration: 'duration', reason: 'reason' } as const;

const title = (requestId: number) => ({ type: 'plain_text' as const, text: `Extend #${requestId}`.slice(0, 24) });
const close = { type: 'plain_text' as const, text: 'Close' };

/** Opened the moment Extend is clicked (its trigger_id allows no wait), until the grant has been read. */
export function extendLoadingModal(requestId: number): View {
  return {
    type: 'modal',
    title: title(requestId),
    close,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Looking up #${requestId}…` } }],
  };
}

/** Why this grant cannot be extended by this person now; nothing to submit. */
export function extendRefusedModal(requestId: number, why: string): View {
  return { type: 'modal', title: title(requestId), close, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: why } }] };
}

/** The extension form for a live grant: the level's default duration filled in, and a reason to give. */
export function extendModal(
  metadata: ExtendModalMetadata,
  { request, resource, level }: { request: AccessRequestRecord; resource: Resource; level: AccessLevel },
): View {
  return {
    type: 'modal',
    callback_id: EXTEND_MODAL,
    private_metadata: JSON.stringify(metadata),
    title: title(request.id),
    submit: { type: 'plain_text', text: 'Ask' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Your access #${request.id} (${level.id} on ${plain(resource.name)}) ends ${slackDate(request.expiresAt!)}. More time is a new request, approved like any other; once granted, the access runs on for the duration below from then.`,
        },
      },
      {
        type: 'input',
        block_id: EXTEND_FIELDS.duration,
        label: { type: 'plain_text', text: 'Duration' },
        hint: { type: 'plain_text', text: `30m, 2h, 1h30m…: at most ${formatDuration(level.maxDurationSeconds)}.` },
        element: { type: 'plain_text_input', action_id: 'value', initial_value: formatDuration(level.defaultDurationSeconds) },
      },
      {
        type: 'input',
        block_id: EXTEND_FIELDS.reason,
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: MAX_REASON_LENGTH },
      },
    ],
  };
}
