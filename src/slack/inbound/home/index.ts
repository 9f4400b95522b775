import type { App, BlockButtonAction } from '@slack/bolt';
import { OPEN_REQUEST_MODAL_ACTION } from '../../render/app-home';
import { type HomeDeps, homeOpened, requestAccessClicked } from './opened';

/**
 * The App Home: published when opened, and its Request access button. Its Approve and Deny are the
 * approval message's (actions/), its I'm done and Extend the grant buttons' own listeners.
 */
export function register(app: App, deps: HomeDeps): void {
  app.event('app_home_opened', homeOpened(deps));
  app.action<BlockButtonAction>(OPEN_REQUEST_MODAL_ACTION, requestAccessClicked(deps));
}
