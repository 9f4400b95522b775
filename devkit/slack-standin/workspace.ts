import { createHash } from 'node:crypto';
import { STANDIN_APP } from './identity';
import type {
  ChangeContent,
  EphemeralMessage,
  SlackMessage,
  SlackView,
  StandinChannel,
  StandinUser,
  StandinUsergroup,
  WorkspaceChange,
} from './types';

/** Deterministic message timestamps by default: "1700000000.000100", "1700000000.000200", … */
export const FIRST_TS_SECONDS = 1_700_000_000;
const TS_STEP_MICROS = 100;

const USER_ID = /^[UW][A-Z0-9]+$/;
const CHANNEL_ID = /^[CG][A-Z0-9]+$/;
/** A message ts as Slack writes it: seconds, a dot, six digits. */
const MESSAGE_TS = /^\d{10}\.\d{6}$/;
/** Slack's trigger_id works once, and only within 3 seconds of the interaction that issued it. */
export const TRIGGER_LIFETIME_MS = 3000;

export type TriggerError = 'invalid_trigger_id' | 'exchanged_trigger_id' | 'expired_trigger_id';

interface Trigger {
  user: string;
  issuedAt: number;
  exchanged: boolean;
}

/** Slack's DMs exist for every user, so a DM id is derived from the user id rather than stored. */
const DM_ID = /^D([UW][A-Z0-9]+)$/;

export interface WorkspaceSeed {
  users: StandinUser[];
  channels: StandinChannel[];
  usergroups: StandinUsergroup[];
  /** Unix seconds of the first message ts. */
  firstTsSeconds: number;
}

const BOT_USER: StandinUser = { id: STANDIN_APP.botUserId, name: STANDIN_APP.botName, isBot: true };

/** The stand-in's Slack state: who exists, and what was posted and opened. */
export class Workspace {
  private readonly users: Map<string, StandinUser>;
  private readonly channels: StandinChannel[];
  private readonly usergroups: Map<string, StandinUsergroup>;
  private readonly openedConversations = new Set<string>();
  private readonly messagesByChannel = new Map<string, SlackMessage[]>();
  private readonly ephemeralMessages: EphemeralMessage[] = [];
  private readonly viewsById = new Map<string, SlackView>();
  /** Slack knows who a trigger_id belongs to, and opens a view with it for that user. */
  private readonly triggers = new Map<string, Trigger>();
  private readonly viewUsers = new Map<string, string>();
  private readonly changeLog: WorkspaceChange[] = [];
  private readonly changeListeners = new Set<() => void>();
  private tsCount = 0;
  private viewCount = 0;
  /** Never reset, so a client that saw change N before a reset still sees every later one. */
  private changeCount = 0;

  private readonly firstTsSeconds: number;

  constructor(seed: WorkspaceSeed) {
    this.firstTsSeconds = seed.firstTsSeconds;
    this.users = new Map([BOT_USER, ...seed.users].map((user) => [user.id, user]));
    this.channels = seed.channels;
    this.usergroups = new Map(seed.usergroups.map((group) => [group.id, group]));
  }

  /** Forgets messages, views and opened conversations; users, channels and usergroups stay. */
  reset(): void {
    this.openedConversations.clear();
    this.messagesByChannel.clear();
    this.ephemeralMessages.length = 0;
    this.viewsById.clear();
    this.triggers.clear();
    this.viewUsers.clear();
    this.changeLog.length = 0;
    this.tsCount = 0;
    this.viewCount = 0;
  }

  user(id: string): StandinUser | undefined {
    return this.users.get(id);
  }

  usergroup(id: string): StandinUsergroup | undefined {
    return this.usergroups.get(id);
  }

  /**
   * Resolves a `channel` argument the way Slack does: a channel id or name, a conversation id,
   * or (where Slack allows it) a user id, which means that user's DM.
   * Without configured channels any C…/G… id is accepted.
   */
  resolveChannel(ref: string | undefined, { allowUserId }: { allowUserId: boolean }): string | undefined {
    if (!ref) return undefined;
    const configured = this.channels.find((channel) => channel.id === ref || `#${channel.name}` === ref || channel.name === ref);
    if (configured) return configured.id;
    if (DM_ID.test(ref) || this.openedConversations.has(ref)) return ref;
    if (allowUserId && USER_ID.test(ref)) return dmIdFor(ref);
    if (this.channels.length === 0 && CHANNEL_ID.test(ref)) return ref;
    return undefined;
  }

  /** conversations.open: one user gives their DM, several a group DM with a stable id. */
  openConversation(userIds: string[]): { id: string; alreadyOpen: boolean } {
    const id = userIds.length === 1 && userIds[0] ? dmIdFor(userIds[0]) : groupDmIdFor(userIds);
    const alreadyOpen = this.openedConversations.has(id);
    this.openedConversations.add(id);
    return { id, alreadyOpen };
  }

  nextTs(): string {
    this.tsCount += 1;
    const micros = this.tsCount * TS_STEP_MICROS;
    const seconds = this.firstTsSeconds + Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  /** Adds a message; a reply also marks its parent as a thread, with its reply count, as Slack shows it. */
  addMessage(channel: string, message: SlackMessage): void {
    const messages = this.messagesByChannel.get(channel) ?? [];
    messages.push(message);
    this.messagesByChannel.set(channel, messages);
    this.recordChange({ kind: 'message', channel, message });
    const parent = isReply(message) ? this.findMessage(channel, message.thread_ts!) : undefined;
    if (parent) {
      Object.assign(parent, { thread_ts: parent.ts, reply_count: (parent.reply_count ?? 0) + 1, latest_reply: message.ts });
      this.recordChange({ kind: 'message', channel, message: parent });
    }
  }

  /**
   * The parent a reply's `thread_ts` names: a top-level message of this channel. Slack answers
   * thread_not_found for a ts that is no message there, invalid_thread_ts for one that is not a ts or is a reply's.
   */
  threadParent(channel: string, threadTs: string): SlackMessage | { error: 'thread_not_found' | 'invalid_thread_ts' } {
    if (!MESSAGE_TS.test(threadTs)) return { error: 'invalid_thread_ts' };
    const parent = this.findMessage(channel, threadTs);
    if (!parent) return { error: 'thread_not_found' };
    return isReply(parent) ? { error: 'invalid_thread_ts' } : parent;
  }

  updateMessage(channel: string, message: SlackMessage, content: Partial<SlackMessage>): void {
    Object.assign(message, content);
    this.recordChange({ kind: 'message', channel, message });
  }

  findMessage(channel: string, ts: string): SlackMessage | undefined {
    return this.messagesByChannel.get(channel)?.find((message) => message.ts === ts);
  }

  /** The channel's messages without thread replies (as conversations.history has them), in posting order, each in its latest version. */
  messages(channel: string): SlackMessage[] {
    return (this.messagesByChannel.get(channel) ?? []).filter((message) => !isReply(message));
  }

  /** The replies in the thread of the message at `threadTs`, in posting order. */
  replies(channel: string, threadTs: string): SlackMessage[] {
    return (this.messagesByChannel.get(channel) ?? []).filter((message) => isReply(message) && message.thread_ts === threadTs);
  }

  addEphemeral(message: EphemeralMessage): void {
    this.ephemeralMessages.push(message);
    this.recordChange({ kind: 'ephemeral', message });
  }

  ephemeral(): EphemeralMessage[] {
    return [...this.ephemeralMessages];
  }

  nextViewId(): string {
    this.viewCount += 1;
    return `V${String(this.viewCount).padStart(8, '0')}`;
  }

  registerTrigger(triggerId: string, userId: string, issuedAt: number): void {
    this.triggers.set(triggerId, { user: userId, issuedAt, exchanged: false });
  }

  /** Uses up a trigger_id (views.open, views.push): whose it is, or why Slack refuses it. */
  exchangeTrigger(triggerId: string, now: number): { user: string } | { error: TriggerError } {
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return { error: 'invalid_trigger_id' };
    if (trigger.exchanged) return { error: 'exchanged_trigger_id' };
    if (now - trigger.issuedAt > TRIGGER_LIFETIME_MS) return { error: 'expired_trigger_id' };
    trigger.exchanged = true;
    return { user: trigger.user };
  }

  /** Stores a new or updated view; `user` is who it is opened for (an update keeps the first one). */
  saveView(view: SlackView, user?: string): void {
    this.viewsById.set(view.id, view);
    if (user !== undefined && !this.viewUsers.has(view.id)) this.viewUsers.set(view.id, user);
    const owner = this.viewUsers.get(view.id);
    this.recordChange({ kind: 'view', ...(owner !== undefined && { user: owner }), view });
  }

  findView(ref: { viewId?: string; externalId?: string }): SlackView | undefined {
    if (ref.viewId) return this.viewsById.get(ref.viewId);
    return this.views().find((view) => ref.externalId !== undefined && view.external_id === ref.externalId);
  }

  /** The Home tab view views.publish gave this user, if any. */
  findHomeView(userId: string): SlackView | undefined {
    return this.views().find((view) => view.type === 'home' && this.viewUsers.get(view.id) === userId);
  }

  /** Views in opening order, each in its latest version. */
  views(): SlackView[] {
    return [...this.viewsById.values()];
  }

  /** Changes with a sequence number above `seq`, oldest first. */
  changesAfter(seq: number): WorkspaceChange[] {
    return this.changeLog.filter((change) => change.seq > seq);
  }

  /** Calls `listener` after each change until the returned function is called. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Snapshots the content, so a later update does not rewrite what an earlier change showed. */
  private recordChange(content: ChangeContent): void {
    this.changeCount += 1;
    this.changeLog.push({ seq: this.changeCount, at: Date.now(), ...structuredClone(content) });
    for (const listener of this.changeListeners) listener();
  }
}

/** The person whose DM with the app a conversation id is, or undefined for any other conversation. */
export function dmUserOf(channel: string): string | undefined {
  return DM_ID.exec(channel)?.[1];
}

/** A reply in a thread, not the thread's parent (whose thread_ts is its own ts). */
function isReply(message: SlackMessage): boolean {
  return message.thread_ts !== undefined && message.thread_ts !== message.ts;
}

function dmIdFor(userId: string): string {
  return `D${userId}`;
}

function groupDmIdFor(userIds: string[]): string {
  const digest = createHash('sha1')
    .update([...userIds].sort().join(','))
    .digest('hex');
  return `G${digest.slice(0, 10).toUpperCase()}`;
}
