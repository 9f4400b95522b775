import type { App, BlockAction, ExternalSelectAction, StaticSelectAction, ViewSubmitAction } from '@slack/bolt';
import { DENY_MODAL } from '../../render/deny-modal';
import { REQUEST_FIELDS, REQUEST_MODAL, RESOURCE_SELECT } from '../../render/request-modal';
import { REVIEW_MODAL } from '../../render/review-modal';
import { denySubmitted, type DenyViewDeps } from './deny';
import { requestSubmitted, type RequestViewDeps, resourceChosen, resourceSuggestions } from './request';
import { reviewSubmitted, type ReviewViewDeps } from './review';

const resourceSelect = { block_id: REQUEST_FIELDS.resource, action_id: RESOURCE_SELECT };

/** The modals: the request form (with its resource select, which lives inside it), the Deny form and the break-glass review. */
export function register(app: App, deps: RequestViewDeps & DenyViewDeps & ReviewViewDeps): void {
  app.action<BlockAction<StaticSelectAction | ExternalSelectAction>>(resourceSelect, resourceChosen(deps));
  app.options<'block_suggestion'>(resourceSelect, resourceSuggestions(deps));
  app.view<ViewSubmitAction>(REQUEST_MODAL, requestSubmitted(deps));
  app.view<ViewSubmitAction>(DENY_MODAL, denySubmitted(deps));
  app.view<ViewSubmitAction>(REVIEW_MODAL, reviewSubmitted(deps));
}
