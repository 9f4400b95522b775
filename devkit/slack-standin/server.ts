import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedApiRequest, parseApiRequest, parseJson } from './api-request';
import { STANDIN_TEAM } from './identity';
import { type AppManifest, isStandinMethod, METHOD_RULES, readManifest, requiredScopes, type StandinMethod } from './method-rules';
import { fail, METHODS, postResponse } from './methods';
import { RateLimiter } from './rate-limits';
import { eventCallbackPayload, newTriggerId } from './signed-request';
import type {
  ApiCall,
  EphemeralMessage,
  RecordedCall,
  ResponseAudience,
  SlackMessage,
  SlackResponse,
  SlackView,
  StandinChannel,
  StandinFault,
  StandinUser,
  StandinUsergroup,
  WorkspaceChange,
} from './types';
import { FIRST_TS_SECONDS, Workspace } from './workspace';

export type {
  ApiCall,
  EphemeralMessage,
  RecordedCall,
  ResponseAudience,
  ResponseUrlCall,
  SlackMessage,
  SlackResponse,
  SlackView,
  StandinChannel,
  StandinFault,
  StandinUser,
  StandinUsergroup,
  WorkspaceChange,
} from './types';

export interface StandinOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  users?: StandinUser[];
  /** Without channels, any C…/G… id is accepted. */
  channels?: StandinChannel[];
  usergroups?: StandinUsergroup[];
  /** When set, calls must carry this token (else not_authed / invalid_auth). */
  botToken?: string;
  /**
   * Unix seconds of the first message ts. The default is a fixed time, so each run sees the same ts;
   * a long-lived stand-in passes the current time, so its messages never share a ts with an earlier run's.
   */
  firstTsSeconds?: number;
  /**
   * The installed app: the bot token's scopes and the Home tab setting. The default, and what every
   * test and the sandbox use, is slack-app-manifest.yaml: a call the real app would be refused is
   * refused here too.
   */
  manifest?: AppManifest;
  /** The clock for trigger_id, response_url and rate-limit lifetimes, in epoch milliseconds. */
  now?: () => number;
}

export type CallPredicate = (call: RecordedCall) => boolean;

const DEFAULT_WAIT_MS = 5000;
/** Slack takes at most 5 POSTs to one response_url, all within 30 minutes of the interaction. */
export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

interface IssuedResponseUrl {
  issuedAt: number;
  uses: number;
  audience?: ResponseAudience;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: SlackResponse;
}

interface Waiter {
  matches: CallPredicate;
  resolve: (call: RecordedCall) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** A local Slack Web API on 127.0.0.1; see startSlackStandin. */
class Standin {
  private readonly recorded: RecordedCall[] = [];
  private readonly workspace: Workspace;
  private readonly faults = new Map<string, { fault: StandinFault; when?: (args: Record<string, unknown>) => boolean }[]>();
  private readonly waiters = new Set<Waiter>();
  private readonly responseUrls = new Map<string, IssuedResponseUrl>();
  /** Long-polls waiting in `changes`, ended early by close(). */
  private readonly changeWaits = new Set<() => void>();
  private readonly server: Server;
  private readonly manifest: AppManifest;
  private readonly scopes: ReadonlySet<string>;
  private readonly now: () => number;
  private readonly rateLimiter: RateLimiter;
  private responseUrlCount = 0;
  private origin = '';
  private listeningPort = 0;

  private constructor(private readonly options: StandinOptions) {
    this.workspace = new Workspace({
      users: options.users ?? [],
      channels: options.channels ?? [],
      usergroups: options.usergroups ?? [],
      firstTsSeconds: options.firstTsSeconds ?? FIRST_TS_SECONDS,
    });
    this.manifest = options.manifest ?? readManifest();
    this.scopes = new Set(this.manifest.botScopes);
    this.now = options.now ?? Date.now;
    this.rateLimiter = new RateLimiter(this.now);
    // A request that breaks mid-body has no one to answer to.
    this.server = createServer((req, res) => void this.route(req, res).catch(() => res.destroy()));
  }

  static async start(options: StandinOptions = {}): Promise<Standin> {
    const standin = new Standin(options);
    await new Promise<void>((resolve, reject) => {
      standin.server.once('error', reject);
      standin.server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    const { port } = standin.server.address() as AddressInfo;
    standin.listeningPort = port;
    standin.origin = `http://127.0.0.1:${port}`;
    return standin;
  }

  /** Every API call and response_url POST, in arrival order. */
  get calls(): readonly RecordedCall[] {
    return this.recorded;
  }

  /** For WebClient's `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.origin}/api/`;
  }

  get port(): number {
    return this.listeningPort;
  }

  /**
   * A URL to use as `response_url`, issued now: POSTs to it are recorded as `{ kind: 'response' }`
   * calls and, given an audience, shown in the workspace as Slack shows them. Like Slack's, it takes
   * RESPONSE_URL_USES posts within RESPONSE_URL_LIFETIME_MS. Naming an earlier URL issues it afresh.
   */
  responseUrl(name?: string, audience?: ResponseAudience): string {
    this.responseUrlCount += 1;
    const unique = name ?? `r${this.responseUrlCount}`;
    this.responseUrls.set(unique, { issuedAt: this.now(), uses: 0, ...(audience && { audience }) });
    return `${this.origin}/response/${encodeURIComponent(unique)}`;
  }

  /**
   * A trigger_id for an interaction of this user, issued now: a view opened with it is that user's.
   * Slack takes it once, within 3 seconds.
   */
  triggerFor(userId: string): string {
    const triggerId = newTriggerId();
    this.workspace.registerTrigger(triggerId, userId, this.now());
    return triggerId;
  }

  /**
   * What changed in the workspace after change number `after`; with `waitMs`, waits up to that long
   * for a change when there is none yet (a long poll), then answers with what there is.
   */
  async changes(after: number, waitMs = 0): Promise<WorkspaceChange[]> {
    const ready = this.workspace.changesAfter(after);
    if (ready.length > 0 || waitMs <= 0) return ready;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        this.changeWaits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      const unsubscribe = this.workspace.onChange(done);
      this.changeWaits.add(done);
    });
    return this.workspace.changesAfter(after);
  }

  /**
   * The Events API delivery Slack makes when this user opens the app's Home (or Messages) tab: the
   * `event_callback` envelope to sign and post to the app, with the Home tab published for them, if any.
   * Slack sends it only to an app whose manifest subscribes to app_home_opened; a user it does not know
   * opens nothing.
   */
  appHomeOpened(userId: string, tab: 'home' | 'messages' = 'home'): Record<string, unknown> {
    if (!this.manifest.botEvents?.includes('app_home_opened')) {
      throw new Error('the app does not subscribe to app_home_opened (settings.event_subscriptions.bot_events): Slack sends it nothing');
    }
    if (!this.workspace.user(userId)) throw new Error(`no user ${userId} in the stand-in's workspace`);
    const view = tab === 'home' ? this.workspace.findHomeView(userId) : undefined;
    return eventCallbackPayload({
      type: 'app_home_opened',
      user: userId,
      channel: this.workspace.openConversation([userId]).id,
      tab,
      event_ts: (this.now() / 1000).toFixed(6),
      ...(view && { view }),
    });
  }

  /** The Home tab views.publish last gave this user. */
  homeView(userId: string): SlackView | undefined {
    return this.workspace.findHomeView(userId);
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((call): call is ApiCall => call.kind === 'api' && call.method === method);
  }

  /** Resolves with the first matching call at index `since` or later, waiting for it if need be. */
  waitFor(method: string, timeoutMs?: number, since?: number): Promise<ApiCall>;
  waitFor<T extends RecordedCall>(predicate: (call: RecordedCall) => call is T, timeoutMs?: number, since?: number): Promise<T>;
  waitFor(predicate: CallPredicate, timeoutMs?: number, since?: number): Promise<RecordedCall>;
  waitFor(match: string | CallPredicate, timeoutMs = DEFAULT_WAIT_MS, since = 0): Promise<RecordedCall> {
    const matches: CallPredicate = typeof match === 'string' ? (call) => call.kind === 'api' && call.method === match : match;
    const found = this.calls.slice(since).find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`No matching Slack call within ${timeoutMs}ms; calls so far: ${this.describeCalls()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Messages in a conversation (a user id means their DM), each in its latest version. */
  messages(channel: string): SlackMessage[] {
    const id = this.workspace.resolveChannel(channel, { allowUserId: true });
    return id ? this.workspace.messages(id) : [];
  }

  /**
   * A message a person types in a conversation, as Slack stores it: no bot_id. The app cannot post as a
   * person; a test or the sandbox page does, for the app to come across (a message shortcut's message).
   */
  postAs(userId: string, channel: string, text: string): SlackMessage {
    const id = this.workspace.resolveChannel(channel, { allowUserId: false });
    if (!id || !this.workspace.user(userId)) throw new Error(`no conversation ${channel} or person ${userId} in the stand-in`);
    const message: SlackMessage = { type: 'message', ts: this.workspace.nextTs(), text, user: userId, team: STANDIN_TEAM.id };
    this.workspace.addMessage(id, message);
    return message;
  }

  /** The replies in the thread of the message at `threadTs`, each in its latest version. */
  replies(channel: string, threadTs: string): SlackMessage[] {
    const id = this.workspace.resolveChannel(channel, { allowUserId: true });
    return id ? this.workspace.replies(id, threadTs) : [];
  }

  ephemeralMessages(channel?: string): EphemeralMessage[] {
    return this.workspace.ephemeral().filter((message) => channel === undefined || message.channel === channel);
  }

  /** Opened views, each in its latest version. */
  views(): SlackView[] {
    return this.workspace.views();
  }

  /**
   * Answers the next `times` calls to `method` with the fault instead of running it; with `when`, only
   * the calls whose arguments it accepts (so a test can fail one message and not the others).
   */
  failNext(method: string, fault: StandinFault, times = 1, when?: (args: Record<string, unknown>) => boolean): void {
    const queue = this.faults.get(method) ?? [];
    queue.push(...Array.from({ length: times }, () => ({ fault, when })));
    this.faults.set(method, queue);
  }

  private takeFault(method: string, args: Record<string, unknown>): StandinFault | undefined {
    const queue = this.faults.get(method) ?? [];
    const index = queue.findIndex((pending) => !pending.when || pending.when(args));
    return index === -1 ? undefined : queue.splice(index, 1)[0]!.fault;
  }

  /**
   * Forgets calls, pending faults, messages, views, issued triggers and response URLs, and refills
   * every rate-limit bucket (as a quiet minute would); users, channels and usergroups stay.
   */
  reset(): void {
    this.recorded.length = 0;
    this.faults.clear();
    this.responseUrls.clear();
    this.rateLimiter.reset();
    this.workspace.reset();
  }

  async close(): Promise<void> {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('Slack stand-in closed'));
    }
    this.waiters.clear();
    for (const endWait of this.changeWaits) endWait();
    // fetch keeps connections alive; without this close() waits for them to time out.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const body = await readBody(req);
    if (url.pathname.startsWith('/api/')) {
      this.handleApiCall(decodeURIComponent(url.pathname.slice('/api/'.length)), req, url, body, res);
    } else if (url.pathname.startsWith('/response/') && req.method === 'POST') {
      this.handleResponseUrl(url, body, res);
    } else {
      send(res, { status: 404, body: fail('not_found') });
    }
  }

  private handleApiCall(method: string, req: IncomingMessage, url: URL, body: string, res: ServerResponse): void {
    const request = parseApiRequest(req.headers, url.searchParams, body);
    const args = 'args' in request ? request.args : {};
    const token = 'token' in request ? request.token : undefined;
    const fault = this.takeFault(method, args);
    const reply = fault ? faultReply(fault) : this.answer(method, request);
    // Record the response as sent, so later state changes do not rewrite history.
    const sent = send(res, reply);
    this.record({
      kind: 'api',
      method,
      args,
      ...(token !== undefined && { token }),
      at: Date.now(),
      status: reply.status,
      response: sent,
      ...(fault && { fault }),
    });
  }

  /** Slack's order: a readable request, a known method, a valid token, within the rate limit, the scopes. */
  private answer(method: string, request: ParsedApiRequest): Reply {
    if ('error' in request) return answered(fail(request.error));
    if (!isStandinMethod(method)) return answered(fail('unknown_method'));
    const authError = checkToken(request.token, this.options.botToken);
    if (authError) return answered(fail(authError));
    const limit = this.rateLimiter.take(request.token ?? '', method, METHOD_RULES[method].tier, this.postChannel(method, request.args));
    if (!limit.allowed) return rateLimited(limit.retryAfterSeconds);
    const missing = this.missingScope(method, request.args);
    if (missing) return answered(missing);
    const context = {
      workspace: this.workspace,
      origin: this.origin,
      scopes: this.scopes,
      homeTabEnabled: this.manifest.homeTabEnabled,
      now: this.now(),
    };
    try {
      return answered(METHODS[method](request.args, context));
    } catch (error) {
      // An ok:false answer rather than HTTP 500, which WebClient would retry for half an hour.
      return answered(fail('standin_internal_error', [String(error)]));
    }
  }

  /** The conversation a chat.postMessage posts to, which its rate limit is counted by. */
  private postChannel(method: StandinMethod, args: Record<string, unknown>): string | undefined {
    if (method !== 'chat.postMessage' || typeof args.channel !== 'string') return undefined;
    return this.workspace.resolveChannel(args.channel, { allowUserId: true }) ?? args.channel;
  }

  /** Slack's answer when the token lacks a scope the call needs: what it needed, what it has. */
  private missingScope(method: StandinMethod, args: Record<string, unknown>): SlackResponse | null {
    const needed = requiredScopes(method, args).filter((scope) => !this.scopes.has(scope));
    if (needed.length === 0) return null;
    return { ok: false, error: 'missing_scope', needed: needed.join(','), provided: [...this.scopes].join(',') };
  }

  private handleResponseUrl(url: URL, body: string, res: ServerResponse): void {
    const name = decodeURIComponent(url.pathname.slice('/response/'.length));
    const parsed = parseJson(body) ?? body;
    const issued = this.responseUrls.get(name);
    const refusal = this.responseUrlRefusal(issued);
    const status = refusal ? 404 : 200;
    const answer = refusal ?? (issued?.audience ? postResponse(this.workspace, issued.audience, parsed) : { ok: true });
    send(res, { status, body: answer });
    this.record({ kind: 'response', url: url.href, name, body: parsed, at: Date.now(), status });
  }

  /**
   * Slack answers HTTP 404 to a response_url it did not issue, that is older than 30 minutes
   * (`expired_url`) or already took its 5 posts (`used_url`); every post counts as a use.
   */
  private responseUrlRefusal(issued: IssuedResponseUrl | undefined): SlackResponse | null {
    if (!issued) return fail('not_found');
    if (this.now() - issued.issuedAt > RESPONSE_URL_LIFETIME_MS) return fail('expired_url');
    issued.uses += 1;
    return issued.uses > RESPONSE_URL_USES ? fail('used_url') : null;
  }

  private record(call: RecordedCall): void {
    this.recorded.push(call);
    for (const waiter of this.waiters) {
      if (!waiter.matches(call)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(call);
    }
  }

  private describeCalls(): string {
    const names = this.calls.map((call) => (call.kind === 'api' ? call.method : `response:${call.name}`));
    return names.length > 0 ? names.join(', ') : '(none)';
  }
}

export type { Standin as SlackStandin };

/** Starts a local Slack Web API; point WebClient at it with `slackApiUrl: standin.apiUrl`. */
export function startSlackStandin(options?: StandinOptions): Promise<Standin> {
  return Standin.start(options);
}

function checkToken(token: string | undefined, expected: string | undefined): string | null {
  if (expected === undefined) return null;
  if (!token) return 'not_authed';
  return token === expected ? null : 'invalid_auth';
}

function answered(body: SlackResponse): Reply {
  return { status: 200, body };
}

/** Slack's rate-limited answer; WebClient waits Retry-After seconds and tries again. */
function rateLimited(retryAfterSeconds: number): Reply {
  return { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) }, body: fail('ratelimited') };
}

function faultReply(fault: StandinFault): Reply {
  if ('error' in fault) return answered(fail(fault.error));
  if (fault.status === 429) return rateLimited(fault.retryAfter);
  return { status: 500, body: fail('internal_error') };
}

/** Sends the reply and returns the body as the client will see it. */
function send(res: ServerResponse, reply: Reply): SlackResponse {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8', ...reply.headers });
  res.end(text);
  return JSON.parse(text) as SlackResponse;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
