import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { COMMAND } from '../../src/slack/inbound/commands';
import { parseJson } from './api-request';
import { STANDIN_APP, STANDIN_TEAM } from './identity';
import { type AppManifest, type ManifestShortcut, readManifest } from './method-rules';
import type { SlackView } from './types';

/** Requests as Slack sends them to the app's HTTP endpoint (slash commands, interactivity, events), signed. */

export interface SlackSignatureHeaders {
  'X-Slack-Request-Timestamp': string;
  'X-Slack-Signature': string;
}

export interface SignedRequestOptions {
  /** Unix seconds to sign with; an old one makes Bolt reject the request as stale. */
  timestamp?: number;
  /** Sent instead of the computed signature, to test rejection. */
  signature?: string;
}

export interface AppReply {
  status: number;
  body: string;
  /** The body parsed, when it is JSON (e.g. a view_submission's `response_action`). */
  json?: unknown;
}

export interface SlashCommandFields {
  /** Defaults to /prod-access. */
  command?: string;
  text: string;
  user_id: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  trigger_id?: string;
  response_url: string;
  team_id?: string;
}

/** The fields of a stored view (`SlackView`) that interaction payloads echo. */
export type PayloadView = Pick<SlackView, 'id' | 'hash' | 'callback_id' | 'private_metadata'>;

/** A user as given to the payload builders: an id, or an id and name. */
export type PayloadUser = string | { id: string; name?: string };

/** `view.state.values`: block_id → action_id → the element's state, e.g. `{ type: 'plain_text_input', value: 'x' }`. */
export type ViewStateValues = Record<string, Record<string, { type: string } & Record<string, unknown>>>;

const DEFAULT_CHANNEL = { id: 'C0GENERAL', name: 'general' } as const;
const SLACK_USER_AGENT = 'Slackbot 1.0 (+https://api.slack.com/robots)';

/** Slack's v0 signing scheme: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function signSlackRequest(signingSecret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): SlackSignatureHeaders {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': `v0=${digest}` };
}

export function sendSlashCommand(
  endpoint: string,
  signingSecret: string,
  fields: SlashCommandFields,
  options?: SignedRequestOptions,
): Promise<AppReply> {
  const channelId = fields.channel_id ?? DEFAULT_CHANNEL.id;
  // Field order and set as in a real slash command request.
  const form = new URLSearchParams({
    token: STANDIN_APP.verificationToken,
    team_id: fields.team_id ?? STANDIN_TEAM.id,
    team_domain: STANDIN_TEAM.domain,
    channel_id: channelId,
    channel_name: fields.channel_name ?? channelNameFor(channelId),
    user_id: fields.user_id,
    user_name: fields.user_name ?? fields.user_id,
    command: fields.command ?? COMMAND,
    text: fields.text,
    api_app_id: STANDIN_APP.appId,
    is_enterprise_install: 'false',
    response_url: fields.response_url,
    trigger_id: fields.trigger_id ?? newTriggerId(),
  });
  return postSigned(endpoint, signingSecret, form.toString(), options);
}

/** Interactivity requests are a form with a single `payload` field holding JSON. */
export function sendInteraction(
  endpoint: string,
  signingSecret: string,
  payload: object,
  options?: SignedRequestOptions,
): Promise<AppReply> {
  const form = new URLSearchParams({ payload: JSON.stringify(payload) });
  return postSigned(endpoint, signingSecret, form.toString(), options);
}

/**
 * Events API deliveries are JSON, signed like every request: an `event_callback` envelope around the
 * event, or Slack's `url_verification` when a Request URL is set.
 */
export function sendEvent(endpoint: string, signingSecret: string, envelope: object, options?: SignedRequestOptions): Promise<AppReply> {
  return postSigned(endpoint, signingSecret, JSON.stringify(envelope), options, 'application/json');
}

/** The envelope Slack wraps every Events API event in (docs.slack.dev/apis/events-api). */
export function eventCallbackPayload(event: Record<string, unknown>): Record<string, unknown> {
  const eventTime = Math.floor(Date.now() / 1000);
  return {
    token: STANDIN_APP.verificationToken,
    team_id: STANDIN_TEAM.id,
    context_team_id: STANDIN_TEAM.id,
    api_app_id: STANDIN_APP.appId,
    event,
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: eventTime,
    authorizations: [
      { enterprise_id: null, team_id: STANDIN_TEAM.id, user_id: STANDIN_APP.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  };
}

/** What Slack sends to a Request URL being set: the app must answer with the challenge. */
export function urlVerificationPayload(challenge: string): Record<string, unknown> {
  return { token: STANDIN_APP.verificationToken, challenge, type: 'url_verification' };
}

export interface BlockActionsInput {
  user: PayloadUser;
  actionId: string;
  value?: string;
  /** Slack generates one when the block has none. */
  blockId?: string;
  channel: string;
  messageTs: string;
  /** The message the button sits in, as the app posted it; defaults to an empty bot message. */
  message?: Record<string, unknown>;
  triggerId?: string;
  responseUrl: string;
}

/** A button click in a message, as Slack sends it. */
export function blockActionsPayload(input: BlockActionsInput): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: payloadUser(input.user),
    api_app_id: STANDIN_APP.appId,
    token: STANDIN_APP.verificationToken,
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channel, is_ephemeral: false },
    trigger_id: input.triggerId ?? newTriggerId(),
    team: { id: STANDIN_TEAM.id, domain: STANDIN_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel, name: channelNameFor(input.channel) },
    message: input.message ?? {
      type: 'message',
      user: STANDIN_APP.botUserId,
      bot_id: STANDIN_APP.botId,
      app_id: STANDIN_APP.appId,
      team: STANDIN_TEAM.id,
      ts: input.messageTs,
      text: '',
      blocks: [],
    },
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [
      {
        action_id: input.actionId,
        block_id: input.blockId ?? randomBytes(3).toString('base64url'),
        ...(input.value !== undefined && { value: input.value }),
        type: 'button',
        action_ts: slackTimestamp(),
      },
    ],
  };
}

export interface ShortcutInput {
  user: PayloadUser;
  callbackId: string;
  /** From `triggerFor`, so a view opened with it is this user's and Slack's 3 seconds apply. */
  triggerId?: string;
  /** The installed app's manifest, which must declare the shortcut; slack-app-manifest.yaml unless given. */
  manifest?: AppManifest;
}

/** A global shortcut (Slack's shortcuts menu), as Slack sends it: no conversation, no response_url. */
export function globalShortcutPayload(input: ShortcutInput): Record<string, unknown> {
  declaredShortcut('global', input.callbackId, input.manifest);
  return {
    type: 'shortcut',
    token: STANDIN_APP.verificationToken,
    action_ts: slackTimestamp(),
    team: { id: STANDIN_TEAM.id, domain: STANDIN_TEAM.domain },
    user: payloadUser(input.user),
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: input.triggerId ?? newTriggerId(),
  };
}

export interface MessageShortcutInput extends ShortcutInput {
  channel: string;
  /** The message the shortcut was used on, in full (every field is sent), as conversations.history returns it. */
  message: { ts: string };
  responseUrl: string;
}

/**
 * A message shortcut (a message's More actions menu), as Slack sends it: the whole message, its
 * conversation and a response_url there; no permalink, which chat.getPermalink gives.
 */
export function messageShortcutPayload(input: MessageShortcutInput): Record<string, unknown> {
  declaredShortcut('message', input.callbackId, input.manifest);
  return {
    type: 'message_action',
    token: STANDIN_APP.verificationToken,
    action_ts: slackTimestamp(),
    team: { id: STANDIN_TEAM.id, domain: STANDIN_TEAM.domain },
    user: payloadUser(input.user),
    channel: { id: input.channel, name: channelNameFor(input.channel) },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: input.triggerId ?? newTriggerId(),
    message_ts: input.message.ts,
    message: { type: 'message', ...input.message },
    response_url: input.responseUrl,
  };
}

/** Slack offers, and so sends, only the shortcuts the app's manifest declares, each of its own type. */
function declaredShortcut(type: ManifestShortcut['type'], callbackId: string, manifest = readManifest()): void {
  if (manifest.shortcuts.some((shortcut) => shortcut.type === type && shortcut.callbackId === callbackId)) return;
  throw new Error(`Slack sends no ${type} shortcut ${callbackId}: the app's manifest does not declare it`);
}

export interface HomeButtonInput {
  user: PayloadUser;
  /** The Home tab as the stand-in holds it, which Slack sends along whole. */
  view: SlackView;
  actionId: string;
  value?: string;
  blockId: string;
  triggerId?: string;
}

/** What Slack sends with any click inside a view (App Home or a modal): a view container, no response_url. */
function viewBlockActions(user: PayloadUser, viewId: string, triggerId: string | undefined) {
  return {
    type: 'block_actions',
    user: payloadUser(user),
    api_app_id: STANDIN_APP.appId,
    token: STANDIN_APP.verificationToken,
    container: { type: 'view', view_id: viewId },
    trigger_id: triggerId ?? newTriggerId(),
    team: { id: STANDIN_TEAM.id, domain: STANDIN_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
  };
}

/** A button click in an App Home, as Slack sends it: a view container, the view, no response_url. */
export function homeButtonPayload(input: HomeButtonInput): Record<string, unknown> {
  return {
    ...viewBlockActions(input.user, input.view.id, input.triggerId),
    view: input.view,
    actions: [
      {
        action_id: input.actionId,
        block_id: input.blockId,
        ...(input.value !== undefined && { value: input.value }),
        type: 'button',
        action_ts: slackTimestamp(),
      },
    ],
  };
}

export interface ViewActionInput {
  user: PayloadUser;
  /** The view as the stand-in holds it (from `views()`): its id, hash, callback id and metadata are echoed. */
  view: PayloadView;
  blockId: string;
  actionId: string;
  /** The select element's type and the option chosen in it. */
  elementType: 'static_select' | 'external_select';
  selectedValue: string;
  values?: ViewStateValues;
  triggerId?: string;
}

/** A choice in a select of a modal (with `dispatch_action`), as Slack sends it: a view container, no response_url. */
export function viewActionPayload(input: ViewActionInput): Record<string, unknown> {
  const option = { text: { type: 'plain_text', text: input.selectedValue, emoji: true }, value: input.selectedValue };
  return {
    ...viewBlockActions(input.user, input.view.id, input.triggerId),
    view: viewPayload(input.view, input.values ?? {}),
    actions: [
      {
        type: input.elementType,
        action_id: input.actionId,
        block_id: input.blockId,
        selected_option: option,
        action_ts: slackTimestamp(),
      },
    ],
  };
}

export interface BlockSuggestionInput {
  user: PayloadUser;
  view: PayloadView;
  blockId: string;
  actionId: string;
  /** What the user typed in the external select so far. */
  value: string;
}

/** An external select asking for its options, as Slack sends it; the app answers with `{ options }`. */
export function blockSuggestionPayload(input: BlockSuggestionInput): Record<string, unknown> {
  return {
    type: 'block_suggestion',
    user: payloadUser(input.user),
    container: { type: 'view', view_id: input.view.id },
    api_app_id: STANDIN_APP.appId,
    token: STANDIN_APP.verificationToken,
    action_id: input.actionId,
    block_id: input.blockId,
    value: input.value,
    team: { id: STANDIN_TEAM.id, domain: STANDIN_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    view: viewPayload(input.view, {}),
  };
}

export interface ViewSubmissionInput {
  user: PayloadUser;
  callbackId: string;
  privateMetadata?: string;
  values: ViewStateValues;
  viewId?: string;
  triggerId?: string;
}

/** A modal's submit, as Slack sends it. */
export function viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown> {
  const viewId = input.viewId ?? `V${randomBytes(5).toString('hex').toUpperCase()}`;
  return {
    type: 'view_submission',
    team: { id: STANDIN_TEAM.id, domain: STANDIN_TEAM.domain },
    user: payloadUser(input.user),
    api_app_id: STANDIN_APP.appId,
    token: STANDIN_APP.verificationToken,
    trigger_id: input.triggerId ?? newTriggerId(),
    view: viewPayload(
      { id: viewId, hash: viewHash(), callback_id: input.callbackId, private_metadata: input.privateMetadata ?? '' },
      input.values,
    ),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A modal as interaction payloads carry it, with the state of its inputs. */
function viewPayload(view: PayloadView, values: ViewStateValues): Record<string, unknown> {
  return {
    id: view.id,
    team_id: STANDIN_TEAM.id,
    type: 'modal',
    blocks: [],
    private_metadata: view.private_metadata,
    callback_id: view.callback_id,
    state: { values },
    hash: view.hash,
    title: { type: 'plain_text', text: 'Modal', emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: null,
    root_view_id: view.id,
    app_id: STANDIN_APP.appId,
    external_id: '',
    app_installed_team_id: STANDIN_TEAM.id,
    bot_id: STANDIN_APP.botId,
  };
}

async function postSigned(
  endpoint: string,
  signingSecret: string,
  body: string,
  options: SignedRequestOptions = {},
  contentType = 'application/x-www-form-urlencoded',
): Promise<AppReply> {
  const signed = signSlackRequest(signingSecret, body, options.timestamp);
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': contentType,
      'User-Agent': SLACK_USER_AGENT,
      ...signed,
      ...(options.signature !== undefined && { 'X-Slack-Signature': options.signature }),
    },
    body,
  });
  const text = await response.text();
  const json = text === '' ? undefined : parseJson(text);
  return { status: response.status, body: text, ...(json !== undefined && { json }) };
}

function payloadUser(user: PayloadUser): Record<string, string> {
  const { id, name = id } = typeof user === 'string' ? { id: user } : user;
  return { id, username: name, name, team_id: STANDIN_TEAM.id };
}

/** Slack sends "directmessage" for DMs; other channels get a readable stand-in name. */
function channelNameFor(channelId: string): string {
  if (channelId === DEFAULT_CHANNEL.id) return DEFAULT_CHANNEL.name;
  return channelId.startsWith('D') ? 'directmessage' : channelId.toLowerCase();
}

/** Shaped like Slack's, e.g. "1234567890123.1234567890123.0123456789abcdef0123456789abcdef". */
export function newTriggerId(): string {
  return `${randomInt(1e12, 9e12)}.${randomInt(1e12, 9e12)}.${randomBytes(16).toString('hex')}`;
}

function viewHash(): string {
  return `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`;
}

function slackTimestamp(): string {
  return (Date.now() / 1000).toFixed(6);
}
