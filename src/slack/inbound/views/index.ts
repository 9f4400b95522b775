import type { App, BlockAction, ExternalSelectAction, StaticSelectAction, ViewSubmitAction } from '@slack/bolt';
import { DENY_MODAL } from '../../render/deny-modal';
import { EXTEND_MODAL } from '../../render/extend-modal';
import { REQUEST_FIELDS, REQUEST_MODAL, RESOURCE_SELECT } from '../../render/request-modal';
import { REVIEW_MODAL } from '../../render/review-modal';
import { denySubmitted, type DenyViewDeps } from './deny';
import { extendSubmitted, type ExtendViewDeps } from './extend';
import { requestSubmitted, type RequestViewDeps, resourceChosen, resourceSuggestions } from './request';
import { reviewSubmitted, type ReviewViewDeps } from './review';

const resourceSelect = { block_id: REQUEST_FIELDS.resource, action_id: RESOURCE_SELECT };

/** The modals: the request form (with its resource select, which lives inside it), the Deny form, the break-glass review and the Extend form. */
export function register(app: App, deps: RequestViewDeps & DenyViewDeps & ReviewViewDeps & ExtendViewDeps): void {
  app.action<BlockAction<StaticSelectAction | ExternalSelectAction>>(resourceSelect, resourceChosen(deps));
  app.options<'block_suggestion'>(resourceSelect, resourceSuggestions(deps));
  app.view<ViewSubmitAction>(REQUEST_MODAL, requestSubmitted(deps));
  app.view<ViewSubmitAction>(DENY_MODAL, denySubmitted(deps));
  app.view<ViewSubmitAction>(REVIEW_MODAL, reviewSubmitted(deps));
  app.view<ViewSubmitAction>(EXTEND_MODAL, extendSubmitted(deps));
}
