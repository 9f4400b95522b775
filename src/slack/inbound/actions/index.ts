import type { App, BlockButtonAction } from '@slack/bolt';
import { APPROVE_ACTION, DENY_ACTION, REVIEW_ACTION } from '../../render/approval-message';
import { END_GRANT_ACTION, EXTEND_GRANT_ACTION } from '../../render/grant-buttons';
import { approveClicked, type DecideDeps, denyClicked, reviewClicked } from './decide';
import { endGrantClicked, extendGrantClicked, type GrantButtonDeps } from './grant';

export function register(app: App, deps: DecideDeps & GrantButtonDeps): void {
  app.action<BlockButtonAction>(APPROVE_ACTION, approveClicked(deps));
  app.action<BlockButtonAction>(DENY_ACTION, denyClicked(deps));
  app.action<BlockButtonAction>(REVIEW_ACTION, reviewClicked(deps));
  app.action<BlockButtonAction>(END_GRANT_ACTION, endGrantClicked(deps));
  app.action<BlockButtonAction>(EXTEND_GRANT_ACTION, extendGrantClicked(deps));
}
