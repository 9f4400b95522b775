import type { ActionsBlock } from '@slack/types';

/** The buttons on a live grant wherever it is shown (the expiry warning, App Home): more time, or end it now. */
export const EXTEND_GRANT_ACTION = 'extend_grant';
export const END_GRANT_ACTION = 'end_grant';

/** The value only names the request: who may extend or end it is checked server-side from the signed user id. */
export function grantButtons(requestId: number): ActionsBlock {
  const value = String(requestId);
  return {
    type: 'actions',
    block_id: `grant_${requestId}`,
    elements: [
      { type: 'button', action_id: EXTEND_GRANT_ACTION, value, text: { type: 'plain_text', text: 'Extend' } },
      { type: 'button', action_id: END_GRANT_ACTION, style: 'danger', value, text: { type: 'plain_text', text: "I'm done" } },
    ],
  };
}
