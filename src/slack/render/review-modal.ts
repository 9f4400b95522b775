import type { View } from '@slack/types';
import { MAX_REASON_LENGTH } from '../../domain/policy';
import type { ReviewModalMetadata } from '../inbound/views/metadata';

export const REVIEW_MODAL = 'review_break_glass';
/** The block id of the review modal's one field, and of its errors. */
export const REVIEW_COMMENT_FIELD = 'comment';

/** **Reviewed** asks what the reviewer checked; who may review is checked when it is submitted. */
export function reviewModal(metadata: ReviewModalMetadata): View {
  return {
    type: 'modal',
    callback_id: REVIEW_MODAL,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: `Review #${metadata.requestId}`.slice(0, 24) },
    submit: { type: 'plain_text', text: 'Reviewed' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: REVIEW_COMMENT_FIELD,
        label: { type: 'plain_text', text: 'What did you check? (audited)' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: MAX_REASON_LENGTH },
      },
    ],
  };
}
