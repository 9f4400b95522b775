import type { App, BlockButtonAction } from '@slack/bolt';
import { APPROVE_ACTION, DENY_ACTION, REVIEW_ACTION } from '../../render/approval-message';
import { approveClicked, type DecideDeps, denyClicked, reviewClicked } from './decide';

export function register(app: App, deps: DecideDeps): void {
  app.action<BlockButtonAction>(APPROVE_ACTION, approveClicked(deps));
  app.action<BlockButtonAction>(DENY_ACTION, denyClicked(deps));
  app.action<BlockButtonAction>(REVIEW_ACTION, reviewClicked(deps));
}
