import type { App, GlobalShortcut, MessageShortcut } from '@slack/bolt';
import { requestAccessAboutMessageShortcut, requestAccessShortcut, type ShortcutDeps, SHORTCUTS, unknownShortcut } from './request-access';

export { SHORTCUTS } from './request-access';

/** Any callback id but the app's own: Bolt would leave such a shortcut unacked, and Slack show an error. */
const NOT_OURS = new RegExp(`^(?!(?:${Object.values(SHORTCUTS).join('|')})$)`);

/** The shortcuts slack-app-manifest.yaml declares, each for its type only, and a refusal for any other. */
export function register(app: App, deps: ShortcutDeps): void {
  app.shortcut<GlobalShortcut>({ type: 'shortcut', callback_id: SHORTCUTS.requestAccess }, requestAccessShortcut(deps));
  app.shortcut<MessageShortcut>(
    { type: 'message_action', callback_id: SHORTCUTS.requestAccessAboutMessage },
    requestAccessAboutMessageShortcut(deps),
  );
  app.shortcut({ callback_id: NOT_OURS }, unknownShortcut(deps));
}
