import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { createDb, type Db } from '../../../src/db/client';
import type { Role } from '../../../src/main/lifecycle';
import type { SlackStandin } from '../../../devkit/slack-standin/server';
import type { MessageShortcutInput, ViewStateValues } from '../../../devkit/slack-standin/signed-request';
import type { StandinUser } from '../../../devkit/slack-standin/types';
import type { AppProcess, Launch } from '../app-process';
import { APP_LOGIN, AUDIT_KEY, copyDatabase, databaseUrl, dropDatabase, SERVER_URL } from '../databases';
import { FaultyProxy } from '../faulty-proxy';
import { AppRedis, RunningApp } from './app';
import { REDIS_URL } from '../redis';
import { harnessCatalog } from './catalog';
import { Observations } from './observations';
import { type Click, type Command, type RequestForm, type Shortcut, SlackDriver } from './slack-driver';
import { TargetDatabase, UNREACHABLE_TARGET_URL } from './targets';
import { BOT_TOKEN, type People, SIGNING_SECRET, startWorkspace } from './workspace';

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
  /** The developer's Slack time zone (users.info `tz`); UTC unless given. */
  devTimeZone?: string;
  /** The catalog's `workingHours`; none unless given. */
  workingHours?: Record<string, unknown>;
}

/** FaultyProxies a harness puts in front of a service, so a test can stall it or take it down for this app alone. */
interface Proxies {
  target?: FaultyProxy;
  database?: FaultyProxy;
  redis?: FaultyProxy;
}

/**
 * prod-access as it runs in production, on the real PostgreSQL and Redis, with a local stand-in for
 * Slack's Web API and a target database of its own. Everything it creates is named for this harness,
 * so test files run side by side.
 *
 * The parts, each in a file of its own: the Slack workspace (workspace.ts), the target (targets.ts), the
 * app and its Redis keys (app.ts), a person's hands in Slack (slack-driver.ts) and what the app did
 * (observations.ts). The methods here are the vocabulary tests are written in.
 */
export class Harness {
  readonly resourceId = 'orders-db';
  /** prod-access's own database: a copy of the migrated template, for this harness alone. */
  readonly appDatabase: string;
  /** prod-access's own database, as its owner sees it. */
  readonly db: Db;
  /** What the app's Redis keys start with: a deployment of its own. */
  readonly redisPrefix: string;
  readonly redis: AppRedis;
  private readonly env: NodeJS.ProcessEnv;
  private readonly app: RunningApp;
  private readonly driver: SlackDriver;
  private readonly seen: Observations;
  private readonly catalogDir = mkdtempSync(path.join(tmpdir(), 'prod-access-catalog-'));

  private constructor(
    readonly suffix: string,
    readonly slack: SlackStandin,
    readonly users: People,
    readonly target: TargetDatabase,
    private readonly proxies: Proxies,
    options: HarnessOptions,
  ) {
    this.appDatabase = `pa_app_${suffix}`;
    this.db = createDb(databaseUrl(this.appDatabase));
    this.redisPrefix = `pa-test-${suffix}`;
    this.redis = new AppRedis(this.redisPrefix);
    const catalogFile = path.join(this.catalogDir, 'catalog.yaml');
    writeFileSync(catalogFile, stringify(harnessCatalog(this, options)));
    this.env = {
      ...process.env,
      NODE_ENV: 'test',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: slack.apiUrl,
      DATABASE_URL: proxies.database ? proxies.database.url(this.appDatabaseUrl) : this.appDatabaseUrl,
      AUDIT_HMAC_KEY: AUDIT_KEY,
      REDIS_URL: proxies.redis ? proxies.redis.url(REDIS_URL) : REDIS_URL,
      REDIS_PREFIX: this.redisPrefix,
      PROD_ACCESS_CATALOG: catalogFile,
      PORT: '0',
      RECONCILE_INTERVAL_SECONDS: String(options.reconcileIntervalSeconds ?? 30),
      [this.adminEnvName]: this.adminUrl(),
      ...options.env,
    };
    this.app = new RunningApp(this.env);
    this.driver = new SlackDriver(slack, () => this.app.endpoint);
    this.seen = new Observations(slack, this.db);
  }

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const suffix = `t${randomBytes(4).toString('hex')}`;
    const { slack, users } = await startWorkspace(suffix, options.extraUsers, options.devTimeZone);
    const target = await TargetDatabase.create(suffix);
    const postgresPort = Number(new URL(SERVER_URL).port || 5432);
    const proxies: Proxies = {};
    if (options.proxyTarget) proxies.target = await FaultyProxy.start('127.0.0.1', postgresPort);
    if (options.proxyDependencies) {
      proxies.database = await FaultyProxy.start('127.0.0.1', postgresPort);
      proxies.redis = await FaultyProxy.start('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    }
    const harness = new Harness(suffix, slack, users, target, proxies, options);
    await copyDatabase(process.env.TEST_TEMPLATE_DATABASE!, harness.appDatabase);
    if (options.role !== 'none') await harness.app.startInProcess(options.role ?? 'all');
    return harness;
  }

  async stop(): Promise<void> {
    await this.app.stop();
    await Promise.all(Object.values(this.proxies).map((proxy) => proxy.close()));
    await this.db.$disconnect();
    await this.slack.close();
    await this.redis.close();
    await this.redis.clear();
    await this.target.drop();
    await dropDatabase(this.appDatabase);
    rmSync(this.catalogDir, { recursive: true, force: true });
  }

  // The deployment: settings, processes, proxies.

  /** prod-access's database as its owner: what migrations (and a test inspecting rows) log in as. */
  get databaseUrl(): string {
    return databaseUrl(this.appDatabase);
  }

  /** prod-access's database as the app logs in to it, as in production: SELECT and INSERT only on audit rows. */
  get appDatabaseUrl(): string {
    return databaseUrl(this.appDatabase, APP_LOGIN);
  }

  /** The variable the catalog's provider reads the target's admin URL from. */
  get adminEnvName(): string {
    return `TARGET_ADMIN_URL_${this.suffix.toUpperCase()}`;
  }

  /** The settings prod-access runs with: Slack stand-in, database, Redis prefix, catalog, target. */
  get settings(): NodeJS.ProcessEnv {
    return this.env;
  }

  /** The Slack endpoint of the first web role started; empty while none runs. */
  get endpoint(): string {
    return this.app.endpoint;
  }

  /** The processes spawn() started, still running or not. */
  get processes(): AppProcess[] {
    return this.app.processes;
  }

  /** Stops prod-access as shutdown does, leaving the harness (Slack, databases) running for the test to look. */
  stopApp(): Promise<void> {
    return this.app.stop();
  }

  /** Starts prod-access in a process of its own with this harness's settings. */
  spawn(role: Role, launch?: Launch): Promise<AppProcess> {
    return this.app.spawn(role, launch);
  }

  /** Between the provider and the target database, when the harness was started with proxyTarget. */
  get targetProxy(): FaultyProxy | undefined {
    return this.proxies.target;
  }

  /** Between the app and its PostgreSQL, when started with proxyDependencies. */
  get databaseProxy(): FaultyProxy | undefined {
    return this.proxies.database;
  }

  /** Between the app and its Redis, when started with proxyDependencies. */
  get redisProxy(): FaultyProxy | undefined {
    return this.proxies.redis;
  }

  /** Points the app processes spawned from now on at another Slack Web API (the bench's stand-in runs in a process of its own). */
  useSlackApi(apiUrl: string): void {
    this.env.SLACK_API_URL = apiUrl;
  }

  /** Makes the target unreachable for the provider (connection refused), or reachable again. */
  setTargetReachable(reachable: boolean): void {
    this.env[this.adminEnvName] = reachable ? this.adminUrl() : UNREACHABLE_TARGET_URL;
  }

  /** The admin URL the provider uses: through the proxy when there is one. */
  private adminUrl(): string {
    return this.proxies.target ? this.proxies.target.url(this.target.url()) : this.target.url();
  }

  // A person's hands in Slack (slack-driver.ts).

  command(userId: string, text: string, where?: Command) {
    return this.driver.command(userId, text, where);
  }

  ask(userId: string, text: string) {
    return this.driver.ask(userId, text);
  }

  responseAt(replyName: string) {
    return this.driver.responseAt(replyName);
  }

  reply(userId: string, since?: number) {
    return this.driver.reply(userId, since);
  }

  globalShortcut(userId: string, how?: Shortcut) {
    return this.driver.globalShortcut(userId, how);
  }

  messageShortcut(userId: string, channel: string, message: MessageShortcutInput['message'], how?: Shortcut) {
    return this.driver.messageShortcut(userId, channel, message, how);
  }

  click(userId: string, requestId: number, how?: Click) {
    return this.driver.click(userId, requestId, how);
  }

  clickAndReply(userId: string, requestId: number, how?: Pick<Click, 'action'>) {
    return this.driver.clickAndReply(userId, requestId, how);
  }

  clickDeny(userId: string, requestId: number, replyName?: string) {
    return this.driver.clickDeny(userId, requestId, replyName);
  }

  openHome(userId: string, tab?: 'home' | 'messages') {
    return this.driver.openHome(userId, tab);
  }

  clickInHome(userId: string, button: { action: string; value?: string; blockId: string }) {
    return this.driver.clickInHome(userId, button);
  }

  submitView(userId: string, callbackId: string, values: ViewStateValues, privateMetadata?: string) {
    return this.driver.submitView(userId, callbackId, values, privateMetadata);
  }

  submitRequest(userId: string, form: RequestForm, privateMetadata: string) {
    return this.driver.submitRequest(userId, form, privateMetadata);
  }

  submitDeny(userId: string, comment: string, privateMetadata: string) {
    return this.driver.submitDeny(userId, comment, privateMetadata);
  }

  // What the app did (observations.ts).

  approvalMessage(requestId: number) {
    return this.seen.approvalMessage(requestId);
  }

  waitForApprovalMessage(requestId: number, contains: string, timeoutMs?: number) {
    return this.seen.waitForApprovalMessage(requestId, contains, timeoutMs);
  }

  texts(channelOrUser: string) {
    return this.seen.texts(channelOrUser);
  }

  homeText(userId: string) {
    return this.seen.homeText(userId);
  }

  waitForHome(userId: string, contains: string, options?: { absent?: boolean; timeoutMs?: number }) {
    return this.seen.waitForHome(userId, contains, options);
  }

  auditLines() {
    return this.seen.auditLines();
  }

  waitForText(channelOrUser: string, contains: string, timeoutMs?: number) {
    return this.seen.waitForText(channelOrUser, contains, timeoutMs);
  }

  apiCalls(method: string) {
    return this.seen.apiCalls(method);
  }

  postsIn(channel: string) {
    return this.seen.postsIn(channel);
  }

  requestsOf(userId: string) {
    return this.seen.requestsOf(userId);
  }

  statusOf(requestId: number) {
    return this.seen.statusOf(requestId);
  }

  waitForStatus(requestId: number, status: string, timeoutMs?: number) {
    return this.seen.waitForStatus(requestId, status, timeoutMs);
  }

  auditActions(requestId: number) {
    return this.seen.auditActions(requestId);
  }

  auditDetail(requestId: number, action: string) {
    return this.seen.auditDetail(requestId, action);
  }
}
