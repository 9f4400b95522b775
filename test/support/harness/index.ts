/** The harness end-to-end tests are written with: import it from here. */
export { pause, waitUntil } from '../wait';
export { clearRedis } from './app';
export { type AccessAsked, type AccessGranted, approve, grantAccess, requestAccess, requestIdIn } from './flows';
export { Harness, type HarnessOptions } from './harness';
export { useHarness } from './hooks';
export type { Click, Command, DenyModal, RequestForm, Shortcut } from './slack-driver';
export { APPROVER_GROUP, BOT_TOKEN, CHANNELS, type People, SIGNING_SECRET } from './workspace';
