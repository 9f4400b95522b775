import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/main/config';
import { createDb, type Db } from '../../src/db/client';
import { createLogger } from '../../src/shared/logger';
import { type Role, type Runtime, startRuntime } from '../../src/main/lifecycle';
import { APPROVE_ACTION } from '../../src/slack/blocks/approval-message';
import {
  type AppReply,
  blockActionsPayload,
  sendInteraction,
  sendSlashCommand,
  viewSubmissionPayload,
  type ViewStateValues,
} from '../../devkit/slack-standin/signed-request';
import { type SlackStandin, startSlackStandin } from '../../devkit/slack-standin/server';
import type { ApiCall, StandinUser } from '../../devkit/slack-standin/types';
import { AppProcess, type Launch } from './app-process';
import { APP_LOGIN, AUDIT_KEY, copyDatabase, databaseUrl, dropDatabase, recreateDatabase, SERVER_URL, withClient } from './databases';
import { FaultyProxy } from './faulty-proxy';
import { waitUntil } from './wait';

export { waitUntil };

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-0000-secret-token';
export const CHANNELS = { owners: 'C0OWNERS01', audit: 'C0AUDIT001', general: 'C0GENERAL' } as const;
export const APPROVER_GROUP = 'S0APPROVE1';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface HarnessOptions {
  /** The roles run inside the test process; `none` when every role runs as a separate process. */
  role?: Role | 'none';
  /** Put a FaultyProxy between the provider and the target database. */
  proxyTarget?: boolean;
  /** Put FaultyProxies between the app and its own PostgreSQL database and Redis. */
  proxyDependencies?: boolean;
  pendingTimeout?: string;
  reconcileIntervalSeconds?: number;
  /** Extra environment variables for the app. */
  env?: Record<string, string>;
  /** Extra settings for the catalog's levels, by level id. */
  levels?: Record<string, Record<string, unknown>>;
  /** More resources for the catalog, after the harness's own PostgreSQL one; given the harness for its user ids. */
  resources?: (h: Harness) => Record<string, unknown>[];
  /** More people in the workspace (mapped to target identities by their example.com email). */
  extraUsers?: StandinUser[];
}

/**
 * prod-access as it runs in production, on the real PostgreSQL and Redis, with a local stand-in for
 * Slack's Web API and a target database of its own. Everything it creates is named for this harness,
 * so test files run side by side.
 */
export class Harness {
  readonly slack: SlackStandin;
  readonly db: Db;
  readonly suffix: string;
  readonly users: { dev: string; manager1: string; manager2: string; outsider: string; unmapped: string };
  readonly roles: { read: string; write: string; login: string };
  readonly targetDatabase: string;
  /** prod-access's own database: a copy of the migrated template, for this harness alone. */
  readonly appDatabase: string;
  readonly resourceId = 'orders-db';
  endpoint = '';
  private runtime?: Runtime;
  readonly processes: AppProcess[] = [];
  /** Processes still starting: stop() must end them too, or they would outlive the test. */
  private readonly starting: Promise<AppProcess>[] = [];
  private replies = 0;
  /** Between the provider and the target database, when the harness was started with proxyTarget. */
  targetProxy?: FaultyProxy;
  /** Between the app and its PostgreSQL and Redis, when started with proxyDependencies. */
  databaseProxy?: FaultyProxy;
  redisProxy?: FaultyProxy;
  /** The environment the app runs with; providers read their connection variables from it at each call. */
  private env: NodeJS.ProcessEnv = {};
  private readonly catalogDir: string;

  private constructor(slack: SlackStandin, suffix: string, users: Harness['users']) {
    this.slack = slack;
    this.suffix = suffix;
    this.users = users;
    this.appDatabase = `pa_app_${suffix}`;
    this.db = createDb(databaseUrl(this.appDatabase));
    this.roles = { read: `${suffix}_read`, write: `${suffix}_write`, login: `${suffix}_alice` };
    this.targetDatabase = `pa_target_${suffix}`;
    this.catalogDir = mkdtempSync(path.join(tmpdir(), 'prod-access-catalog-'));
  }

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const suffix = `t${randomBytes(4).toString('hex')}`;
    const id = (role: string) => `U${role}${suffix.toUpperCase()}`;
    const users = { dev: id('DEV'), manager1: id('MGRA'), manager2: id('MGRB'), outsider: id('OUT'), unmapped: id('NOID') };
    const slack = await startSlackStandin({
      botToken: BOT_TOKEN,
      users: [
        { id: users.dev, name: 'alice', email: 'alice@example.com' },
        { id: users.manager1, name: 'maria', email: 'maria@example.com' },
        { id: users.manager2, name: 'mo', email: 'mo@example.com' },
        { id: users.outsider, name: 'oscar', email: 'oscar@example.com' },
        { id: users.unmapped, name: 'nora', email: 'nora@elsewhere.org' },
        ...(options.extraUsers ?? []),
      ],
      channels: [
        { id: CHANNELS.owners, name: 'orders-owners' },
        { id: CHANNELS.audit, name: 'prod-access-audit' },
        { id: CHANNELS.general, name: 'general' },
      ],
      // The requester is in the approver group: they still can never approve their own request.
      usergroups: [{ id: APPROVER_GROUP, handle: 'orders-approvers', users: [users.manager2, users.dev] }],
    });
    const harness = new Harness(slack, suffix, users);
    await copyDatabase(process.env.TEST_TEMPLATE_DATABASE!, harness.appDatabase);
    await harness.createTarget();
    const postgresPort = Number(new URL(SERVER_URL).port || 5432);
    if (options.proxyTarget) harness.targetProxy = await FaultyProxy.start('127.0.0.1', postgresPort);
    if (options.proxyDependencies) {
      harness.databaseProxy = await FaultyProxy.start('127.0.0.1', postgresPort);
      harness.redisProxy = await FaultyProxy.start('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    }
    await harness.startApp(options);
    return harness;
  }

  /** The target system: a database with a table, a role per access level and the developer's login role. */
  private async createTarget(): Promise<void> {
    await recreateDatabase(this.targetDatabase);
    const { read, write, login } = this.roles;
    await withClient(SERVER_URL, async (db) => {
      await db.query(`CREATE ROLE ${read} NOLOGIN`);
      await db.query(`CREATE ROLE ${write} NOLOGIN`);
      await db.query(`CREATE ROLE ${login} LOGIN`);
    });
    await withClient(this.targetUrl(), async (db) => {
      await db.query('CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL)');
      await db.query("INSERT INTO orders VALUES (1, 'widget')");
      await db.query(`GRANT SELECT ON orders TO ${read}`);
      await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON orders TO ${write}`);
    });
  }

  /** prod-access's database as its owner: what migrations (and a test inspecting rows) log in as. */
  get databaseUrl(): string {
    return databaseUrl(this.appDatabase);
  }

  /** prod-access's database as the app logs in to it, as in production: SELECT and INSERT only on audit rows. */
  get appDatabaseUrl(): string {
    return databaseUrl(this.appDatabase, APP_LOGIN);
  }

  targetUrl(user?: string): string {
    return databaseUrl(this.targetDatabase, user);
  }

  get adminEnvName(): string {
    return `TARGET_ADMIN_URL_${this.suffix.toUpperCase()}`;
  }

  catalog(options: HarnessOptions): Record<string, unknown> {
    const { users, roles } = this;
    return {
      auditChannel: CHANNELS.audit,
      pendingTimeout: options.pendingTimeout ?? '1h',
      identity: { map: { [users.dev]: roles.login }, fromEmail: 'local-part', emailDomains: ['example.com'] },
      resources: [
        {
          id: this.resourceId,
          name: 'Orders database',
          ownersChannel: CHANNELS.owners,
          provider: { kind: 'postgres', mode: 'grant-role', connectionEnv: this.adminEnvName },
          levels: [
            {
              id: 'read-only',
              target: { role: roles.read },
              maxDuration: '1h',
              defaultDuration: '10m',
              approvals: 1,
              approvers: { users: [users.manager1], groups: [APPROVER_GROUP] },
              ...options.levels?.['read-only'],
            },
            {
              id: 'write',
              target: { role: roles.write },
              maxDuration: '30m',
              approvals: 2,
              approvers: { users: [users.manager1, users.manager2] },
              ...options.levels?.write,
            },
          ],
        },
        ...(options.resources?.(this) ?? []),
      ],
    };
  }

  private async startApp(options: HarnessOptions): Promise<void> {
    const catalogFile = path.join(this.catalogDir, 'catalog.yaml');
    writeFileSync(catalogFile, stringify(this.catalog(options)));
    const env = (this.env = {
      ...process.env,
      NODE_ENV: 'test',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: this.slack.apiUrl,
      DATABASE_URL: this.databaseProxy ? this.databaseProxy.url(this.appDatabaseUrl) : this.appDatabaseUrl,
      AUDIT_HMAC_KEY: AUDIT_KEY,
      REDIS_URL: this.redisProxy ? this.redisProxy.url(REDIS_URL) : REDIS_URL,
      REDIS_PREFIX: this.redisPrefix,
      PROD_ACCESS_CATALOG: catalogFile,
      PORT: '0',
      RECONCILE_INTERVAL_SECONDS: String(options.reconcileIntervalSeconds ?? 30),
      [this.adminEnvName]: this.adminUrl(),
      ...options.env,
    });
    if (options.role === 'none') return;
    const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });
    this.runtime = await startRuntime(loadConfig(env), options.role ?? 'all', logger, env);
    this.endpoint = `http://127.0.0.1:${this.runtime.port}/slack/events`;
  }

  /** The admin URL the provider uses: through the proxy when there is one. */
  private adminUrl(): string {
    return this.targetProxy ? this.targetProxy.url(this.targetUrl()) : this.targetUrl();
  }

  /** Makes the target unreachable for the provider (connection refused), or reachable again. */
  setTargetReachable(reachable: boolean): void {
    this.env[this.adminEnvName] = reachable ? this.adminUrl() : 'postgresql://postgres@127.0.0.1:1/unreachable';
  }

  /** The settings prod-access runs with: Slack stand-in, database, Redis prefix, catalog, target. */
  get settings(): NodeJS.ProcessEnv {
    return this.env;
  }

  /** Starts prod-access in a process of its own with this harness's settings. */
  async spawn(role: Role, launch?: Launch): Promise<AppProcess> {
    const starting = AppProcess.start(role, this.env, launch);
    this.starting.push(starting);
    const app = await starting;
    this.processes.push(app);
    if (!this.endpoint && role !== 'worker') this.endpoint = app.endpoint;
    return app;
  }

  /** A response_url of its own for each command or click, so concurrent ones get their own replies. */
  private replyName(userId: string): string {
    return `${userId}-${++this.replies}`;
  }

  command(userId: string, text: string, replyName = this.replyName(userId)): Promise<AppReply> {
    return sendSlashCommand(this.endpoint, SIGNING_SECRET, {
      text,
      user_id: userId,
      channel_id: CHANNELS.general,
      // Issued by the stand-in, so it holds them to Slack's rules (3 s, single use).
      trigger_id: this.slack.triggerFor(userId),
      response_url: this.slack.responseUrl(replyName),
    });
  }

  /** Waits for what `respond()` sent to one response_url. */
  private async replyAt(replyName: string): Promise<string> {
    const call = await this.slack.waitFor((c) => c.kind === 'response' && c.name === replyName, 15_000);
    return (call.kind === 'response' ? (call.body as { text?: string }).text : undefined) ?? '';
  }

  /** Waits for what `respond()` sent back for a command or click of this user. */
  async reply(userId: string, since = 0): Promise<string> {
    const call = await this.slack.waitFor((c) => c.kind === 'response' && c.name.startsWith(userId), 10_000, since);
    return (call.kind === 'response' ? (call.body as { text?: string }).text : undefined) ?? '';
  }

  /** Sends a command and returns the ephemeral reply it got. */
  async ask(userId: string, text: string): Promise<string> {
    const replyName = this.replyName(userId);
    const answer = await this.command(userId, text, replyName);
    if (answer.status !== 200) throw new Error(`slash command answered ${answer.status}: ${answer.body}`);
    return this.replyAt(replyName);
  }

  click(userId: string, requestId: number, actionId = APPROVE_ACTION, replyName = this.replyName(userId)): Promise<AppReply> {
    const message = this.slack.messages(CHANNELS.owners).find((m) => m.text.startsWith(`Access request #${requestId}:`));
    return sendInteraction(
      this.endpoint,
      SIGNING_SECRET,
      blockActionsPayload({
        user: userId,
        actionId,
        value: String(requestId),
        channel: CHANNELS.owners,
        messageTs: message?.ts ?? '1700000000.000100',
        triggerId: this.slack.triggerFor(userId),
        responseUrl: this.slack.responseUrl(replyName),
      }),
    );
  }

  /** Asks for access (`request <resource> <args>`) and waits for the approval message; returns the request id. */
  async requestAccess(args: string, userId = this.users.dev, resourceId = this.resourceId): Promise<number> {
    const reply = await this.ask(userId, `request ${resourceId} ${args}`);
    const id = Number(/#(\d+)/.exec(reply)?.[1]);
    if (!id) throw new Error(`no request id in the reply: ${reply}`);
    await this.waitForApprovalMessage(id, 'Waiting for approval');
    return id;
  }

  /** Clicks a button and returns the ephemeral answer. */
  async clickAndReply(userId: string, requestId: number, actionId = APPROVE_ACTION): Promise<string> {
    const replyName = this.replyName(userId);
    const answer = await this.click(userId, requestId, actionId, replyName);
    if (answer.status !== 200) throw new Error(`click answered ${answer.status}: ${answer.body}`);
    return this.replyAt(replyName);
  }

  submitView(userId: string, callbackId: string, values: ViewStateValues, privateMetadata = ''): Promise<AppReply> {
    return sendInteraction(
      this.endpoint,
      SIGNING_SECRET,
      viewSubmissionPayload({ user: userId, callbackId, values, privateMetadata, triggerId: this.slack.triggerFor(userId) }),
    );
  }

  /** The approval message of a request as it stands in the owners' channel now. */
  approvalMessage(requestId: number) {
    return this.slack.messages(CHANNELS.owners).find((m) => m.text.startsWith(`Access request #${requestId}:`));
  }

  /** Waits until the approval message of a request says something. */
  async waitForApprovalMessage(requestId: number, contains: string, timeoutMs = 15_000): Promise<string> {
    return waitUntil(
      () => {
        const text = this.approvalMessage(requestId)?.text;
        return text?.includes(contains) ? text : undefined;
      },
      timeoutMs,
      () => `approval message of #${requestId} to say "${contains}"; it says: ${this.approvalMessage(requestId)?.text}`,
    );
  }

  /** Texts posted to a channel (or a user's DM) so far. */
  texts(channelOrUser: string): string[] {
    return this.slack.messages(channelOrUser).map((m) => m.text);
  }

  /** The audit channel line by line: under a burst, one message carries several lines. */
  auditLines(): string[] {
    return this.texts(CHANNELS.audit).flatMap((text) => text.split('\n'));
  }

  async waitForText(channelOrUser: string, contains: string, timeoutMs = 15_000): Promise<string> {
    return waitUntil(
      () => this.texts(channelOrUser).find((t) => t.includes(contains)),
      timeoutMs,
      () => `a message in ${channelOrUser} containing "${contains}"; got:\n${this.texts(channelOrUser).join('\n')}`,
    );
  }

  apiCalls(method: string): ApiCall[] {
    return this.slack.callsTo(method);
  }

  /** Messages Slack took in a channel: a refused call (an injected fault, a 429 of its rate limit) posted nothing. */
  postsIn(channel: string): ApiCall[] {
    return this.apiCalls('chat.postMessage').filter((c) => c.args.channel === channel && c.response.ok);
  }

  requestsOf(userId: string) {
    return this.db.accessRequest.findMany({ where: { requesterId: userId }, orderBy: { id: 'asc' } });
  }

  /** Waits until the request's stored status is `status`, and returns the request. */
  async waitForStatus(requestId: number, status: string, timeoutMs = 15_000) {
    let last: string | undefined;
    return waitUntil(
      async () => {
        const request = await this.db.accessRequest.findUnique({ where: { id: requestId } });
        last = request?.status;
        return request?.status === status ? request : undefined;
      },
      timeoutMs,
      () => `request #${requestId} to be ${status}; it is ${last}`,
    );
  }

  async auditActions(requestId: number): Promise<string[]> {
    const rows = await this.db.auditEvent.findMany({ where: { requestId }, orderBy: { id: 'asc' } });
    return rows.map((r) => r.action);
  }

  /** Runs a query as the developer's own database role, as the developer would. */
  async queryAsDeveloper(sql: string): Promise<unknown[]> {
    return withClient(this.targetUrl(this.roles.login), async (db) => (await db.query(sql)).rows);
  }

  get redisPrefix(): string {
    return `pa-test-${this.suffix}`;
  }

  async stop(): Promise<void> {
    const started = await Promise.allSettled(this.starting);
    const all = new Set([...this.processes, ...started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))]);
    await Promise.all([...all].map((p) => p.kill('SIGTERM')));
    await this.runtime?.stop();
    await Promise.all([this.targetProxy, this.databaseProxy, this.redisProxy].map((proxy) => proxy?.close()));
    await this.db.$disconnect();
    await this.slack.close();
    await clearRedis(this.redisPrefix);
    await dropDatabase(this.targetDatabase);
    await dropDatabase(this.appDatabase);
    const { read, write, login } = this.roles;
    await withClient(SERVER_URL, async (db) => {
      for (const role of [login, read, write]) await db.query(`DROP ROLE IF EXISTS ${role}`);
    });
    rmSync(this.catalogDir, { recursive: true, force: true });
  }
}

/** Deletes every key of this deployment: what FLUSHALL does to it, without touching other test files' keys. */
export async function clearRedis(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
