export interface StandinUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  /** Slack's `is_email_confirmed` (users.info); confirmed unless a test says otherwise. */
  emailConfirmed?: boolean;
  /** Custom profile fields: field id (Xf…) → value. */
  profileFields?: Record<string, string>;
  /** Slack's `tz` (users.info), an IANA zone; UTC unless a test says otherwise. */
  timeZone?: string;
  isBot?: boolean;
}

export interface StandinChannel {
  id: string;
  name: string;
}

export interface StandinUsergroup {
  id: string;
  handle: string;
  users: string[];
}

/** A Web API response body as Slack sends it. */
export type SlackResponse = { ok: boolean; error?: string } & Record<string, unknown>;

/** Injected by `failNext`: HTTP 429 with Retry-After, HTTP 500, or an `{ok:false}` answer. */
export type StandinFault = { status: 429; retryAfter: number } | { status: 500 } | { error: string };

export interface ApiCall {
  kind: 'api';
  method: string;
  /** Parsed arguments without the token; JSON-valued form fields (blocks, view, …) are decoded. */
  args: Record<string, unknown>;
  token?: string;
  at: number;
  status: number;
  response: SlackResponse;
  /** Set when the answer was injected by `failNext` (the method did not run). */
  fault?: StandinFault;
}

/** A POST to a URL from `responseUrl()`, i.e. what `respond()` sent. */
export interface ResponseUrlCall {
  kind: 'response';
  url: string;
  name: string;
  body: unknown;
  at: number;
  /** 200, or 404 when Slack would refuse the post (unknown, expired or used-up URL). */
  status: number;
}

export type RecordedCall = ApiCall | ResponseUrlCall;

/** A message as Slack returns it from chat.postMessage (`message`) or conversations.history. */
export interface SlackMessage {
  type: 'message';
  ts: string;
  text: string;
  user: string;
  /** A bot's message has these; a person's does not. */
  bot_id?: string;
  app_id?: string;
  team: string;
  blocks?: unknown[];
  attachments?: unknown[];
  /** A reply's parent ts; a parent's own ts once it has replies. */
  thread_ts?: string;
  /** On a reply: who posted its parent. */
  parent_user_id?: string;
  /** On a parent: its replies so far, and the newest one's ts. */
  reply_count?: number;
  latest_reply?: string;
  metadata?: unknown;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  message_ts: string;
  text: string;
  blocks?: unknown[];
}

/** A view as Slack returns it from views.open/update/push. */
export type SlackView = {
  id: string;
  team_id: string;
  type: string;
  callback_id: string;
  private_metadata: string;
  external_id: string;
  hash: string;
  root_view_id: string;
  previous_view_id: string | null;
  state: { values: Record<string, unknown> };
} & Record<string, unknown>;

/** Who sees what is posted to a response_url: the user who clicked or typed, in that conversation. */
export interface ResponseAudience {
  user: string;
  channel: string;
}

/**
 * One change to what people see, in order, for a client that draws the workspace (the sandbox page).
 * A message change carries the message as it is after the change, so posts and updates both upsert by ts.
 */
export type WorkspaceChange = { seq: number; at: number } & ChangeContent;

export type ChangeContent =
  | { kind: 'message'; channel: string; message: SlackMessage }
  | { kind: 'ephemeral'; message: EphemeralMessage }
  /** `user` is who the view was opened for, known when it was opened with a trigger from `triggerFor`. */
  | { kind: 'view'; user?: string; view: SlackView };
