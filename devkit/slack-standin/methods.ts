import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { validateHomeView, validateMessageBlocks, validateModalView } from './block-kit-limits';
import { STANDIN_APP, STANDIN_TEAM } from './identity';
import { EMAIL_SCOPE, type StandinMethod } from './method-rules';
import type { ResponseAudience, SlackMessage, SlackResponse, SlackView, StandinUser } from './types';
import { dmUserOf, type Workspace } from './workspace';

/**
 * Slack cuts message text beyond this and posts the rest with a `message_truncated` warning
 * (api.slack.com/changelog/2018-04-truncating-really-long-messages).
 */
const MAX_TEXT_LENGTH = 40_000;
const TRUNCATED = {
  warnings: ['message_truncated'],
  messages: ['[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters.'],
};
/** conversations.open takes at most 8 users besides the caller. */
const MAX_GROUP_DM_USERS = 8;
const USER_ID = /^[UW][A-Z0-9]+$/;

export interface MethodContext {
  workspace: Workspace;
  /** The stand-in's own origin, e.g. http://127.0.0.1:4000, used in URLs it hands out. */
  origin: string;
  /** The bot token's scopes: some answers depend on them (an email only with users:read.email). */
  scopes: ReadonlySet<string>;
  /** Whether the manifest enables the app's Home tab (views.publish answers not_enabled otherwise). */
  homeTabEnabled: boolean;
  /** Milliseconds since the epoch, as the stand-in's clock says. */
  now: number;
}

type Handler = (args: Record<string, unknown>, context: MethodContext) => SlackResponse;

const optionalString = z.string().optional();
const MessageContent = z.object({
  text: optionalString,
  blocks: z.unknown().optional(),
  attachments: z.unknown().optional(),
});
type MessageContent = z.infer<typeof MessageContent>;

/** What a caller may put in a view; the rest of a SlackView is Slack's bookkeeping. */
const ViewInput = z.looseObject({
  type: z.string(),
  callback_id: optionalString,
  private_metadata: optionalString,
  external_id: optionalString,
});
type ViewInput = z.infer<typeof ViewInput>;

function ok(body: Record<string, unknown> = {}): SlackResponse {
  return { ok: true, ...body };
}

export function fail(error: string, messages?: string[]): SlackResponse {
  return messages ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };
}

/** Parses a method's arguments with zod; a type mismatch is Slack's invalid_arguments. */
function withArgs<S extends z.ZodType>(schema: S, handle: (args: z.output<S>, context: MethodContext) => SlackResponse): Handler {
  return (raw, context) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return handle(parsed.data, context);
    return fail(
      'invalid_arguments',
      parsed.error.issues.map((issue) => `[ERROR] ${issue.message} [json-pointer:/${issue.path.join('/')}]`),
    );
  };
}

/** views.open and views.push: the stand-in keeps no view stacks, so both open a new view. */
const openViewHandler = withArgs(
  z.object({ view: z.unknown(), trigger_id: optionalString, interactivity_pointer: optionalString }),
  (args, { workspace, now }) => {
    const pointer = args.trigger_id || args.interactivity_pointer;
    if (!pointer) return fail('invalid_arguments', ['invalid `trigger_id`']);
    const invalid = checkView(args.view);
    if (invalid) return invalid;
    const exchanged = workspace.exchangeTrigger(pointer, now);
    if ('error' in exchanged) return fail(exchanged.error);
    return openView(workspace, ViewInput.parse(args.view), exchanged.user);
  },
);

export const METHODS: Record<StandinMethod, Handler> = {
  'auth.test': (_args, { origin }) =>
    ok({
      url: `${origin}/`,
      team: STANDIN_TEAM.name,
      user: STANDIN_APP.botName,
      team_id: STANDIN_TEAM.id,
      user_id: STANDIN_APP.botUserId,
      bot_id: STANDIN_APP.botId,
      is_enterprise_install: false,
    }),

  'chat.postMessage': withArgs(
    MessageContent.extend({ channel: optionalString, thread_ts: optionalString, metadata: z.unknown().optional() }),
    (args, { workspace }) => {
      const channel = workspace.resolveChannel(args.channel, { allowUserId: true });
      if (!channel) return fail('channel_not_found');
      const invalid = checkContent(args);
      if (invalid) return invalid;
      // A reply names its thread's parent: a top-level message of this channel (Slack refuses a reply's ts too).
      const parent = args.thread_ts === undefined ? undefined : workspace.threadParent(channel, args.thread_ts);
      if (parent && 'error' in parent) return fail(parent.error);
      const message = postBotMessage(workspace, channel, {
        ...messageContent(args),
        ...(parent && { thread_ts: parent.ts, parent_user_id: parent.user }),
        ...(args.metadata !== undefined && { metadata: args.metadata }),
      });
      return ok({ channel, ts: message.ts, message, ...truncation(args) });
    },
  ),

  'chat.update': withArgs(MessageContent.extend({ channel: optionalString, ts: optionalString }), (args, { workspace }) => {
    // Slack wants the conversation id here; a user id does not stand for the DM.
    const channel = workspace.resolveChannel(args.channel, { allowUserId: false });
    if (!channel) return fail('channel_not_found');
    const message = args.ts === undefined ? undefined : workspace.findMessage(channel, args.ts);
    if (!message) return fail('message_not_found');
    const invalid = checkContent(args);
    if (invalid) return invalid;
    // Omitted blocks/attachments keep their old value, as in Slack; an empty array clears them.
    workspace.updateMessage(channel, message, messageContent({ ...args, text: args.text ?? message.text }));
    return ok({ channel, ts: message.ts, text: message.text, message, ...truncation(args) });
  }),

  'chat.postEphemeral': withArgs(MessageContent.extend({ channel: optionalString, user: optionalString }), (args, { workspace }) => {
    const channel = workspace.resolveChannel(args.channel, { allowUserId: true });
    if (!channel) return fail('channel_not_found');
    if (!args.user || !USER_ID.test(args.user)) return fail('user_not_in_channel');
    // A DM with the app has one person in it: nobody else can be shown a message there.
    const dmUser = dmUserOf(channel);
    if (dmUser !== undefined && dmUser !== args.user) return fail('user_not_in_channel');
    const invalid = checkContent(args);
    if (invalid) return invalid;
    const messageTs = workspace.nextTs();
    workspace.addEphemeral({ channel, user: args.user, message_ts: messageTs, ...messageContent(args) });
    return ok({ message_ts: messageTs, ...truncation(args) });
  }),

  'chat.getPermalink': withArgs(z.object({ channel: optionalString, message_ts: optionalString }), (args, context) => {
    const channel = context.workspace.resolveChannel(args.channel, { allowUserId: false });
    if (!channel) return fail('channel_not_found');
    const message = args.message_ts === undefined ? undefined : context.workspace.findMessage(channel, args.message_ts);
    if (!message) return fail('message_not_found');
    const permalink = `${context.origin}/archives/${channel}/p${message.ts.replace('.', '')}`;
    // A reply's permalink names its thread too, as Slack's does.
    const reply = message.thread_ts !== undefined && message.thread_ts !== message.ts;
    return ok({ channel, permalink: reply ? `${permalink}?thread_ts=${message.thread_ts}&cid=${channel}` : permalink });
  }),

  'conversations.open': withArgs(z.object({ users: optionalString, channel: optionalString }), (args, { workspace }) => {
    if (args.channel !== undefined) {
      const channel = workspace.resolveChannel(args.channel, { allowUserId: false });
      return channel ? ok({ channel: { id: channel } }) : fail('channel_not_found');
    }
    const users = (args.users ?? '')
      .split(',')
      .map((user) => user.trim())
      .filter(Boolean);
    if (users.length === 0) return fail('users_list_not_supplied');
    if (users.length > MAX_GROUP_DM_USERS) return fail('too_many_users');
    if (!users.every((user) => USER_ID.test(user))) return fail('user_not_found');
    const { id, alreadyOpen } = workspace.openConversation(users);
    return ok({ ...(alreadyOpen && { no_op: true, already_open: true }), channel: { id } });
  }),

  'users.info': withArgs(z.object({ user: optionalString }), (args, { workspace, scopes }) => {
    const user = args.user === undefined ? undefined : workspace.user(args.user);
    return user ? ok({ user: userObject(user, scopes) }) : fail('user_not_found');
  }),

  'users.profile.get': withArgs(z.object({ user: optionalString }), (args, { workspace, scopes }) => {
    const user = args.user === undefined ? undefined : workspace.user(args.user);
    return user ? ok({ profile: userObject(user, scopes).profile }) : fail('user_not_found');
  }),

  'usergroups.users.list': withArgs(z.object({ usergroup: optionalString }), (args, { workspace }) => {
    if (args.usergroup === undefined) return fail('invalid_arguments', ['[ERROR] missing required field: usergroup']);
    const group = workspace.usergroup(args.usergroup);
    return group ? ok({ users: group.users }) : fail('no_such_subteam');
  }),

  'views.open': openViewHandler,
  'views.push': openViewHandler,

  'views.update': withArgs(
    z.object({ view: z.unknown(), view_id: optionalString, external_id: optionalString, hash: optionalString }),
    (args, { workspace }) => {
      if (!args.view_id && !args.external_id) {
        return fail('invalid_arguments', ['[ERROR] either view_id or external_id is required']);
      }
      const invalid = checkView(args.view);
      if (invalid) return invalid;
      const existing = workspace.findView({ viewId: args.view_id, externalId: args.external_id });
      if (!existing) return fail('not_found');
      if (args.hash !== undefined && args.hash !== existing.hash) return fail('hash_conflict');
      const input = ViewInput.parse(args.view);
      const taken = input.external_id ? workspace.findView({ externalId: input.external_id }) : undefined;
      if (taken && taken.id !== existing.id) return fail('duplicate_external_id');
      const view = buildView(existing.id, { ...input, external_id: input.external_id ?? existing.external_id }, existing);
      workspace.saveView(view);
      return ok({ view });
    },
  ),

  'views.publish': withArgs(
    z.object({ user_id: optionalString, view: z.unknown(), hash: optionalString }),
    (args, { workspace, homeTabEnabled }) => {
      if (!args.user_id) return fail('invalid_arguments', ['[ERROR] missing required field: user_id']);
      if (args.view === undefined) return fail('invalid_arguments', ['[ERROR] missing required field: view']);
      const violation = validateHomeView(args.view);
      if (violation) return fail(violation.error, [violation.message]);
      // The Home tab exists only when the app's manifest enables it.
      if (!homeTabEnabled) return fail('not_enabled');
      if (!workspace.user(args.user_id)) return fail('user_not_found');
      const existing = workspace.findHomeView(args.user_id);
      if (existing && args.hash !== undefined && args.hash !== existing.hash) return fail('hash_conflict');
      const view = buildView(existing?.id ?? workspace.nextViewId(), ViewInput.parse(args.view), existing);
      workspace.saveView(view, args.user_id);
      return ok({ view });
    },
  ),
};

function checkView(view: unknown): SlackResponse | null {
  if (view === undefined) return fail('invalid_arguments', ['[ERROR] missing required field: view']);
  const violation = validateModalView(view);
  return violation && fail(violation.error, [violation.message]);
}

function checkContent(content: MessageContent): SlackResponse | null {
  const hasBlocks = Array.isArray(content.blocks) ? content.blocks.length > 0 : content.blocks !== undefined;
  if (!content.text && !hasBlocks && content.attachments === undefined) return fail('no_text');
  const violation = content.blocks === undefined ? null : validateMessageBlocks(content.blocks);
  return violation && fail(violation.error, [violation.message]);
}

/** The stored form of already-validated message content: its text cut as Slack cuts it. */
function messageContent(content: MessageContent): { text: string; blocks?: unknown[]; attachments?: unknown[] } {
  return {
    text: (content.text ?? '').slice(0, MAX_TEXT_LENGTH),
    ...(Array.isArray(content.blocks) && { blocks: content.blocks }),
    ...(Array.isArray(content.attachments) && { attachments: content.attachments }),
  };
}

/** Slack's warning in the answer when it cut the text. */
function truncation(content: MessageContent): { response_metadata?: typeof TRUNCATED } {
  return (content.text?.length ?? 0) > MAX_TEXT_LENGTH ? { response_metadata: TRUNCATED } : {};
}

function openView(workspace: Workspace, input: ViewInput, user: string | undefined): SlackResponse {
  if (input.external_id && workspace.findView({ externalId: input.external_id })) return fail('duplicate_external_id');
  const view = buildView(workspace.nextViewId(), input);
  workspace.saveView(view, user);
  return ok({ view });
}

function postBotMessage(workspace: Workspace, channel: string, content: Pick<SlackMessage, 'text'> & Partial<SlackMessage>): SlackMessage {
  const message: SlackMessage = {
    type: 'message',
    ts: workspace.nextTs(),
    user: STANDIN_APP.botUserId,
    bot_id: STANDIN_APP.botId,
    app_id: STANDIN_APP.appId,
    team: STANDIN_TEAM.id,
    ...content,
  };
  workspace.addMessage(channel, message);
  return message;
}

const ResponseContent = MessageContent.extend({ response_type: z.enum(['ephemeral', 'in_channel']).optional() });

/**
 * A POST to a response_url, shown where Slack shows it: in the conversation for everyone with
 * `response_type: in_channel`, else (Slack's default) only to the user who typed or clicked.
 */
export function postResponse(workspace: Workspace, audience: ResponseAudience, body: unknown): SlackResponse {
  const parsed = ResponseContent.safeParse(body);
  if (!parsed.success) return fail('invalid_arguments');
  const invalid = checkContent(parsed.data);
  if (invalid) return invalid;
  const content = messageContent(parsed.data);
  if (parsed.data.response_type === 'in_channel') {
    postBotMessage(workspace, audience.channel, content);
  } else {
    workspace.addEphemeral({ channel: audience.channel, user: audience.user, message_ts: workspace.nextTs(), ...content });
  }
  return ok();
}

/** A view as Slack echoes it back: the caller's fields plus Slack's defaults and bookkeeping. */
function buildView(id: string, input: ViewInput, replacing?: SlackView): SlackView {
  return {
    close: null,
    submit: null,
    clear_on_close: false,
    notify_on_close: false,
    ...input,
    id,
    team_id: STANDIN_TEAM.id,
    callback_id: input.callback_id ?? '',
    private_metadata: input.private_metadata ?? '',
    external_id: input.external_id ?? '',
    state: { values: {} },
    // Slack's hash changes with every version; views.update may pass it back to detect races.
    hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    root_view_id: replacing?.root_view_id ?? id,
    previous_view_id: replacing?.previous_view_id ?? null,
    app_id: STANDIN_APP.appId,
    app_installed_team_id: STANDIN_TEAM.id,
    bot_id: STANDIN_APP.botId,
  };
}

function userObject(user: StandinUser, scopes: ReadonlySet<string>): Record<string, unknown> {
  const realName = user.realName ?? user.name;
  return {
    id: user.id,
    team_id: STANDIN_TEAM.id,
    name: user.name,
    deleted: false,
    real_name: realName,
    is_bot: user.isBot ?? false,
    is_admin: false,
    is_owner: false,
    is_email_confirmed: user.emailConfirmed ?? true,
    tz: user.timeZone ?? 'UTC',
    tz_offset: tzOffsetSeconds(user.timeZone ?? 'UTC', new Date()),
    profile: {
      display_name: user.name,
      display_name_normalized: user.name,
      real_name: realName,
      real_name_normalized: realName,
      // Slack leaves the email out unless the token has users:read.email.
      ...(user.email !== undefined && scopes.has(EMAIL_SCOPE) && { email: user.email }),
      // Custom profile fields, keyed by field id, as users.profile.get returns them.
      ...(user.profileFields !== undefined && {
        fields: Object.fromEntries(Object.entries(user.profileFields).map(([id, value]) => [id, { value, alt: '' }])),
      }),
    },
  };
}

/** Slack's `tz_offset`: the zone's offset from UTC now, in seconds. */
function tzOffsetSeconds(zone: string, at: Date): number {
  const wall = new Date(at.toLocaleString('en-US', { timeZone: zone }));
  const utc = new Date(at.toLocaleString('en-US', { timeZone: 'UTC' }));
  return Math.round((wall.getTime() - utc.getTime()) / 1000);
}
