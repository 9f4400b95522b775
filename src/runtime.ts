import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { flushAuditChannel } from './app/audit-channel';
import { approveRequest, denyRequest } from './app/decisions';
import { anchorAuditChain } from './app/audit-anchor';
import { checkDrift } from './app/drift';
import { expirePending, grantOrFail, requestEarlyRevoke, revokeGrant } from './app/grants';
import { systemClock } from './app/ports';
import { reconcile } from './app/reconcile';
import { listRequests, submitExtension, submitRequest } from './app/requests';
import { checkConnections, loadCatalog } from './catalog/load';
import { auditKeyOf, type Config } from './main/config';
import { AuditRepository } from './db/audit';
import { AuditChain } from './db/audit-chain';
import { createDb } from './db/client';
import { IdentityBindingRepository } from './db/identity-bindings';
import { RequestRepository } from './db/requests';
import { healthRoutes } from './ops/health';
import { createHttpServer, type HttpRoute } from './ops/http-server';
import { JobQueues } from './jobs/queues';
import { type JobHandlers, startWorkers } from './jobs/workers';
import { type Logger, slackLogger } from './shared/logger';
import { SlackDirectory } from './notify/slack-directory';
import { SlackNotifier } from './notify/slack-notifier';
import { createProviderFactory } from './providers/registry';
import { createSlackApp, SLACK_EVENTS_PATH } from './slack/app';
import { seenSignatures } from './slack/request-guard';
import { withTimeout } from './shared/timeout';

export type Role = 'web' | 'worker' | 'all';
export const ROLES: readonly Role[] = ['web', 'worker', 'all'];

export interface Runtime {
  /** The HTTP port the web role listens on (useful when PORT=0). */
  port?: number;
  stop(): Promise<void>;
}

export const SHUTDOWN_TIMEOUT_MS = 15_000;

/** The composition root: builds every adapter once and wires the use-cases to them. */
export async function startRuntime(config: Config, role: Role, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const catalog = loadCatalog(config.PROD_ACCESS_CATALOG, env);
  const db = createDb(config.DATABASE_URL);
  const redisConnections: Redis[] = [];
  const redis = (options: { forWorker: boolean }) => {
    // Workers block on Redis and must wait for it; producers fail fast so a Slack handler never hangs.
    const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: options.forWorker ? null : 3, lazyConnect: false });
    connection.on('error', (err) => logger.warn({ err }, 'redis connection error'));
    redisConnections.push(connection);
    return connection;
  };
  const producerRedis = redis({ forWorker: false });
  await withTimeout(warnAboutRedisSettings(producerRedis, logger), 2000, undefined);
  const queues = new JobQueues(producerRedis, config.REDIS_PREFIX, logger);
  const slack = new WebClient(config.SLACK_BOT_TOKEN, {
    slackApiUrl: config.SLACK_API_URL,
    retryConfig: { retries: 3, factor: 2, minTimeout: 500 },
    logger: slackLogger(logger, 'slack-web-api'),
  });
  const requests = new RequestRepository(db, new AuditChain(auditKeyOf(config)));
  const audit = new AuditRepository(db);
  void warnIfAuditRewritable(audit, logger);
  const directory = new SlackDirectory(slack);
  const notifier = new SlackNotifier({ catalog, requests, slack });
  const clock = systemClock;
  const providers = createProviderFactory(env);
  const base = { catalog, requests, announcements: queues, schedule: queues, clock };
  const grantDeps = { ...base, providers, delivery: notifier };
  const expire = expirePending(base);

  const stops: (() => Promise<unknown>)[] = [];
  let port: number | undefined;

  let workers: Worker[] = [];
  if (role !== 'web') {
    const grant = grantOrFail(grantDeps);
    const revoke = revokeGrant(grantDeps);
    const reconcileOnce = reconcile({
      requests,
      audit,
      schedule: queues,
      announcements: queues,
      expirePending: expire,
      clock,
      intervalSeconds: config.RECONCILE_INTERVAL_SECONDS,
    });
    const flushAudit = flushAuditChannel({ audit, channel: notifier, clock });
    const anchorAudit = anchorAuditChain({ requests, announcements: queues });
    const drift = checkDrift({ catalog, requests, audit, providers, announcements: queues, clock });
    const handlers: JobHandlers = {
      grant: ({ requestId }, { lastAttempt }) => grant(requestId, lastAttempt),
      revoke: ({ requestId }) => revoke(requestId),
      revokeNow: ({ requestId }) => revoke(requestId),
      expirePending: ({ requestId }) => expire(requestId),
      reconcile: () => reconcileOnce(),
      anchorAudit: async () => (await anchorAudit())?.text ?? 'unchanged',
      driftCheck: async () => {
        const report = await drift();
        if (report.unreadable.length > 0) logger.warn({ unreadable: report.unreadable }, 'drift check could not read some targets');
        return { found: report.found.length };
      },
      syncMessage: ({ requestId }) => notifier.syncApprovalMessage(requestId),
      resyncMessage: ({ requestId }) => notifier.syncApprovalMessage(requestId),
      notifyRequester: ({ requestId, notice }) => notifier.notifyRequester(requestId, notice),
      clearSecret: ({ requestId }) => notifier.clearSecret(requestId),
      resendAccess: ({ requestId }) => notifier.resendAccess(requestId),
      postAudit: () => flushAudit(),
    };
    workers = startWorkers({
      connection: () => redis({ forWorker: true }),
      prefix: config.REDIS_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      lockMs: config.JOB_LOCK_SECONDS * 1000,
      handlers,
      logger,
    });
    // A target that is down now is reported, not fatal: grants to it retry, and other resources still work.
    void checkConnections(catalog, env).then((problems) => {
      for (const problem of problems) logger.warn({ path: problem.path }, `provider check failed: ${problem.message}`);
    });
    const intervals = {
      reconcileSeconds: config.RECONCILE_INTERVAL_SECONDS,
      driftCheckSeconds: config.DRIFT_CHECK_INTERVAL_SECONDS,
      auditAnchorSeconds: config.AUDIT_ANCHOR_INTERVAL_SECONDS,
    };
    await queues.scheduleRecurring(intervals);
    // Redis may lose the schedulers themselves (a flush, a failover without persistence): every worker puts
    // them back each interval; the upsert keeps one scheduler per id however many workers do it.
    const watchdog = setInterval(
      () => void queues.scheduleRecurring(intervals).catch((err: unknown) => logger.warn({ err }, 'job schedulers not renewed')),
      config.RECONCILE_INTERVAL_SECONDS * 1000,
    );
    // Schedules lost while nothing ran are recovered before anything else happens.
    logger.info({ report: await reconcileOnce() }, 'start-up reconcile done');
    stops.push(
      async () => clearInterval(watchdog),
      () => Promise.all(workers.map((w) => w.close())),
    );
  }

  if (role !== 'worker') {
    const decisionDeps = { ...base, directory };
    const submitDeps = {
      ...base,
      directory,
      identities: new IdentityBindingRepository(db),
      rateLimit: { requests: config.REQUEST_RATE_LIMIT, windowSeconds: config.REQUEST_RATE_WINDOW_SECONDS },
    };
    const { app, httpListener, identity } = createSlackApp({
      botToken: config.SLACK_BOT_TOKEN,
      signingSecret: config.SLACK_SIGNING_SECRET,
      appToken: config.SLACK_APP_TOKEN,
      apiUrl: config.SLACK_API_URL,
      catalog,
      logger,
      seenSignatures: seenSignatures(rememberSignature(producerRedis, config.REDIS_PREFIX), logger),
      useCases: {
        submitRequest: submitRequest(submitDeps),
        submitExtension: submitExtension(submitDeps),
        listRequests: listRequests({ requests }),
        requestEarlyRevoke: requestEarlyRevoke({ ...grantDeps, directory }),
        approveRequest: approveRequest(decisionDeps),
        denyRequest: denyRequest(decisionDeps),
      },
    });
    identity.start();
    // Health over HTTP in both modes; Slack's requests too, unless they come over Socket Mode.
    const routes: HttpRoute[] = [...healthRoutes({ db, redis: producerRedis })];
    if (httpListener) routes.push({ path: SLACK_EVENTS_PATH, methods: { POST: httpListener } });
    const server = createHttpServer(routes, logger);
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen({ port: config.PORT, host: config.LISTEN_HOST }, resolve),
    );
    port = (server.address() as AddressInfo).port;
    if (!httpListener) {
      await app.start();
      stops.unshift(() => app.stop());
    }
    // Stop taking requests first: in-flight jobs and HTTP handlers finish before their connections close.
    stops.unshift(
      async () => identity.stop(),
      () => closeServer(server),
    );
    logger.info({ port, socketMode: !httpListener }, `web role ready${httpListener ? `: Slack requests at ${SLACK_EVENTS_PATH}` : ''}`);
  }

  stops.push(
    () => queues.close(),
    () => db.$disconnect(),
    () => Promise.all(redisConnections.map((c) => c.quit().catch(() => c.disconnect()))),
  );

  return {
    port,
    async stop() {
      const all = (async () => {
        for (const stop of stops) await stop().catch((err: unknown) => logger.warn({ err }, 'error during shutdown'));
      })();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          logger.warn('shutdown timed out; closing connections');
          redisConnections.forEach((c) => c.disconnect());
          resolve();
        }, SHUTDOWN_TIMEOUT_MS);
      });
      await Promise.race([all, timeout]);
      clearTimeout(timer);
    },
  };
}

/** The replay record every web replica shares: true when the signature was not there yet. */
function rememberSignature(redis: Redis, prefix: string) {
  return async (signature: string, ttlSeconds: number) =>
    (await redis.set(`${prefix}:slack-signature:${signature}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** A one-role setup (development) works, but its audit log is only as safe as that role; say so at start. */
async function warnIfAuditRewritable(audit: AuditRepository, logger: Logger): Promise<void> {
  try {
    if (await audit.canRewrite()) {
      logger.warn(
        'DATABASE_URL logs in as a role that can change or remove audit rows (their owner or a superuser): run the app as the role migrations grant (prod_access_app) and the migrations as the owner (MIGRATION_DATABASE_URL); see README "Database roles"',
      );
    }
  } catch (err) {
    logger.warn({ err }, 'could not check the privileges of the database role');
  }
}

/**
 * Queues must not be evicted, and schedules should survive a Redis restart. Neither is fatal (the
 * reconciler rebuilds schedules from PostgreSQL) but both make revokes late, so say it loudly.
 */
async function warnAboutRedisSettings(redis: Redis, logger: Logger): Promise<void> {
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const [, save] = (await redis.config('GET', 'save')) as string[];
    const [, aof] = (await redis.config('GET', 'appendonly')) as string[];
    if (policy !== 'noeviction') {
      logger.warn({ policy }, `Redis maxmemory-policy is "${policy}": queued jobs can be evicted; set it to noeviction`);
    }
    if (!save && aof !== 'yes') {
      logger.warn('Redis keeps nothing on disk (no RDB save, no AOF): a restart loses every schedule until the reconciler rebuilds them');
    }
  } catch (err) {
    logger.warn({ err }, 'could not read Redis settings (CONFIG GET refused?); make sure maxmemory-policy is noeviction');
  }
}
