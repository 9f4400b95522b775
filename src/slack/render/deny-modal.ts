import type { View } from '@slack/types';
import type { DenyModalMetadata } from '../inbound/views/metadata';

export const DENY_MODAL = 'deny_request';
/** The block id of the Deny modal's one field, and of its errors. */
export const DENY_COMMENT_FIELD = 'comment';

/** Deny asks for an optional reason before it takes effect; who may deny is checked when it is submitted. */
export function denyModal(metadata: DenyModalMetadata): View {
  return {
    type: 'modal',
    callback_id: DENY_MODAL,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: `Deny request #${metadata.requestId}`.slice(0, 24) },
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
