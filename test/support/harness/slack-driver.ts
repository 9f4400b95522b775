import { SHORTCUTS } from '../../../src/slack/inbound/shortcuts';
import { APPROVE_ACTION, DENY_ACTION } from '../../../src/slack/render/approval-message';
import { DENY_COMMENT_FIELD, DENY_MODAL } from '../../../src/slack/render/deny-modal';
import { REQUEST_FIELDS, REQUEST_MODAL, RESOURCE_SELECT } from '../../../src/slack/render/request-modal';
import type { ApiCall, RecordedCall, SlackStandin, SlackView } from '../../../devkit/slack-standin/server';
import {
  type AppReply,
  blockActionsPayload,
  globalShortcutPayload,
  type MessageShortcutInput,
  messageShortcutPayload,
  homeButtonPayload,
  sendEvent,
  sendInteraction,
  sendSlashCommand,
  viewSubmissionPayload,
  type ViewStateValues,
} from '../../../devkit/slack-standin/signed-request';
import { approvalMessageIn } from './observations';
import { CHANNELS, SIGNING_SECRET } from './workspace';

/** The request modal's fields as a person fills them in; empty duration and ticket unless given. */
export interface RequestForm {
  resource: string;
  level: string;
  duration?: string;
  reason: string;
  ticket?: string;
  /** Picked in the start's datetimepicker; left empty unless given. */
  start?: Date;
}

/** Where a command is typed, and the response_url its answer goes to. */
export interface Command {
  replyName?: string;
  channelId?: string;
}

/** The trigger_id a shortcut comes with (an old one to see it refused), and the response_url of a message shortcut. */
export interface Shortcut {
  triggerId?: string;
  replyName?: string;
}

/** Which button, the response_url its answer goes to, and the web replica that takes the click. */
export interface Click {
  action?: string;
  replyName?: string;
  endpoint?: string;
}

/** A Deny click and the modal it opened. */
export interface DenyModal {
  /** The views.open call that opened the modal. */
  opened: ApiCall;
  view: SlackView;
  /** How many Slack calls there were just before the click. */
  since: number;
}

/**
 * A person's hands in Slack: slash commands, button clicks and modal submissions, sent to the app's
 * endpoint signed as Slack signs them, with trigger_ids and response_urls the stand-in issued, so it holds
 * the app to Slack's rules (a trigger_id once within 3 s, a response_url 5 times).
 */
export class SlackDriver {
  private replies = 0;

  constructor(
    private readonly slack: SlackStandin,
    /** Read at each call: the endpoint is known once a web role runs. */
    private readonly endpoint: () => string,
  ) {}

  /** A response_url of its own for each command or click, so concurrent ones get their own replies. */
  private replyName(userId: string): string {
    return `${userId}-${++this.replies}`;
  }

  /** Types `/prod-access <text>`, in #general unless another conversation is given. */
  command(userId: string, text: string, { replyName = this.replyName(userId), channelId = CHANNELS.general as string }: Command = {}) {
    return sendSlashCommand(this.endpoint(), SIGNING_SECRET, {
      text,
      user_id: userId,
      channel_id: channelId,
      trigger_id: this.slack.triggerFor(userId),
      // Slack shows what comes back through it to this user, in the conversation the command was typed in.
      response_url: this.slack.responseUrl(replyName, { user: userId, channel: channelId }),
    });
  }

  /** Uses the global shortcut "Request prod access" (Slack's shortcuts menu), with a trigger_id issued now unless given. */
  globalShortcut(userId: string, { triggerId = this.slack.triggerFor(userId) }: Shortcut = {}) {
    const payload = globalShortcutPayload({ user: userId, callbackId: SHORTCUTS.requestAccess, triggerId });
    return sendInteraction(this.endpoint(), SIGNING_SECRET, payload);
  }

  /**
   * Uses the message shortcut "Request prod access about this message" on a message of `channel`; what the
   * app sends back through the shortcut's response_url goes to the one named `replyName`, shown in `channel`.
   */
  messageShortcut(
    userId: string,
    channel: string,
    message: MessageShortcutInput['message'],
    { replyName = this.replyName(userId), triggerId = this.slack.triggerFor(userId) }: Shortcut = {},
  ) {
    const payload = messageShortcutPayload({
      user: userId,
      callbackId: SHORTCUTS.requestAccessAboutMessage,
      channel,
      message,
      triggerId,
      responseUrl: this.slack.responseUrl(replyName, { user: userId, channel }),
    });
    return sendInteraction(this.endpoint(), SIGNING_SECRET, payload);
  }

  /** Sends a command and returns the ephemeral reply it got. */
  async ask(userId: string, text: string): Promise<string> {
    const replyName = this.replyName(userId);
    const answer = await this.command(userId, text, { replyName });
    if (answer.status !== 200) throw new Error(`slash command answered ${answer.status}: ${answer.body}`);
    return this.responseAt(replyName);
  }

  /** Waits for what `respond()` sent to the response_url named `replyName`. */
  async responseAt(replyName: string): Promise<string> {
    return textOf(await this.slack.waitFor((c) => c.kind === 'response' && c.name === replyName, 15_000));
  }

  /** Waits for what `respond()` sent back for a command or click of this user, from the `since`th Slack call on. */
  async reply(userId: string, since = 0): Promise<string> {
    return textOf(await this.slack.waitFor((c) => c.kind === 'response' && c.name.startsWith(userId), 10_000, since));
  }

  /**
   * Clicks a button (Approve unless told otherwise) on a request's approval message, through the harness's
   * endpoint or another replica's; the app's answer goes to the response_url named `replyName`.
   */
  click(
    userId: string,
    requestId: number,
    { action = APPROVE_ACTION, replyName = this.replyName(userId), endpoint = this.endpoint() }: Click = {},
  ) {
    return sendInteraction(
      endpoint,
      SIGNING_SECRET,
      blockActionsPayload({
        user: userId,
        actionId: action,
        value: String(requestId),
        channel: CHANNELS.owners,
        messageTs: approvalMessageIn(this.slack, requestId)?.ts ?? '1700000000.000100',
        triggerId: this.slack.triggerFor(userId),
        responseUrl: this.slack.responseUrl(replyName),
      }),
    );
  }

  /** Clicks a button and returns the ephemeral answer. */
  async clickAndReply(userId: string, requestId: number, { action }: Pick<Click, 'action'> = {}): Promise<string> {
    const replyName = this.replyName(userId);
    const answer = await this.click(userId, requestId, { action, replyName });
    if (answer.status !== 200) throw new Error(`click answered ${answer.status}: ${answer.body}`);
    return this.responseAt(replyName);
  }

  /** Clicks Deny; the outcome of the modal's submission goes to the response_url named `replyName`. */
  async clickDeny(userId: string, requestId: number, replyName = this.replyName(userId)): Promise<DenyModal> {
    const since = this.slack.calls.length;
    const answer = await this.click(userId, requestId, { action: DENY_ACTION, replyName });
    if (answer.status !== 200) throw new Error(`Deny answered ${answer.status}: ${answer.body}`);
    const opened = await this.slack.waitFor('views.open', 10_000, since);
    return { opened, view: opened.response.view as SlackView, since };
  }

  /** Opens the app's Home (or Messages) tab: the app_home_opened event Slack sends, signed. */
  openHome(userId: string, tab: 'home' | 'messages' = 'home'): Promise<AppReply> {
    return sendEvent(this.endpoint(), SIGNING_SECRET, this.slack.appHomeOpened(userId, tab));
  }

  /**
   * Clicks a button in the user's App Home as the app last published it (the button need not be there: a
   * forged click), e.g. Approve on request 12 in block `decide_12`.
   */
  clickInHome(userId: string, { action, value, blockId }: { action: string; value?: string; blockId: string }): Promise<AppReply> {
    const view = this.slack.homeView(userId);
    if (!view) throw new Error(`no App Home published for ${userId}`);
    return sendInteraction(
      this.endpoint(),
      SIGNING_SECRET,
      homeButtonPayload({ user: userId, view, actionId: action, value, blockId, triggerId: this.slack.triggerFor(userId) }),
    );
  }

  submitView(userId: string, callbackId: string, values: ViewStateValues, privateMetadata = ''): Promise<AppReply> {
    return sendInteraction(
      this.endpoint(),
      SIGNING_SECRET,
      viewSubmissionPayload({ user: userId, callbackId, values, privateMetadata, triggerId: this.slack.triggerFor(userId) }),
    );
  }

  /** Submits the request modal filled in as `form`, with the modal's private_metadata. */
  submitRequest(userId: string, form: RequestForm, privateMetadata: string): Promise<AppReply> {
    return this.submitView(userId, REQUEST_MODAL, requestFormState(form), privateMetadata);
  }

  /** Submits the Deny modal with its comment, with the modal's private_metadata. */
  submitDeny(userId: string, comment: string, privateMetadata: string): Promise<AppReply> {
    return this.submitView(userId, DENY_MODAL, { [DENY_COMMENT_FIELD]: { value: textInput(comment) } }, privateMetadata);
  }
}

/** The request modal's state as Slack sends it, under the action ids the modal gives its elements. */
function requestFormState({ resource, level, duration = '', reason, ticket = '', start }: RequestForm): ViewStateValues {
  return {
    // Slack sends a datetimepicker's choice as a UNIX timestamp in seconds, null when nothing was picked.
    [REQUEST_FIELDS.start]: { value: { type: 'datetimepicker', selected_date_time: start ? Math.floor(start.getTime() / 1000) : null } },
    [REQUEST_FIELDS.resource]: { [RESOURCE_SELECT]: { type: 'static_select', selected_option: { value: resource } } },
    [REQUEST_FIELDS.level]: { [`level-${resource}`]: { type: 'static_select', selected_option: { value: level } } },
    [REQUEST_FIELDS.duration]: { value: textInput(duration) },
    [REQUEST_FIELDS.reason]: { value: textInput(reason) },
    [REQUEST_FIELDS.ticket]: { value: textInput(ticket) },
  };
}

const textInput = (value: string) => ({ type: 'plain_text_input', value });

/** The text `respond()` posted, when the call is a post to a response_url. */
const textOf = (call: RecordedCall) => (call.kind === 'response' ? (call.body as { text?: string }).text : undefined) ?? '';
