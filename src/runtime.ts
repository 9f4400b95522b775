import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { approveRequest, authorizeDecider, denyRequest } from './app/decisions';
import { checkDrift } from './app/drift';
import { expirePending, grantOrFail, requestEarlyRevoke, revokeGrant } from './app/grants';
import { systemClock } from './app/ports';
import { reconcile } from './app/reconcile';
import { listRequests, submitExtension, submitRequest } from './app/requests';
import { checkConnections, loadCatalog } from './catalog/load';
import type { Config } from './config';
import { AuditRepository } from './db/audit';
import { createDb } from './db/client';
import { RequestRepository } from './db/requests';
import { healthRoutes } from './health';
import { JobQueues } from './jobs/queues';
import { type JobHandlers, startWorkers } from './jobs/workers';
import { type Logger, slackLogger } from './logger';
import { SlackDirectory } from './notify/slack-directory';
import { SlackNotifier } from './notify/slack-notifier';
import { createProviderFactory } from './providers/registry';
import { createSlackApp } from './slack/app';
import { withTimeout } from './timeout';
import { guardSlackRequests, MAX_CLOCK_SKEW_SECONDS, type SeenSignatures } from './slack/request-guard';

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
  const requests = new RequestRepository(db);
  const audit = new AuditRepository(db);
  const directory = new SlackDirectory(slack);
  const notifier = new SlackNotifier({ catalog, requests, audit, slack });
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
    const drift = checkDrift({ catalog, requests, audit, providers, announcements: queues, clock });
    const handlers: JobHandlers = {
      grant: ({ requestId }, { lastAttempt }) => grant(requestId, lastAttempt),
      revoke: ({ requestId }) => revoke(requestId),
      revokeNow: ({ requestId }) => revoke(requestId),
      expirePending: ({ requestId }) => expire(requestId),
      reconcile: () => reconcileOnce(),
      driftCheck: async () => {
        const report = await drift();
        if (report.unreadable.length > 0) logger.warn({ unreadable: report.unreadable }, 'drift check could not read some targets');
        return { found: report.found.length };
      },
      syncMessage: ({ requestId }) => notifier.syncApprovalMessage(requestId),
      resyncMessage: ({ requestId }) => notifier.syncApprovalMessage(requestId),
      notifyRequester: ({ requestId, notice }) => notifier.notifyRequester(requestId, notice),
      resendAccess: ({ requestId }) => notifier.resendAccess(requestId),
      postAudit: ({ auditEventId }) => notifier.postAuditEvent(BigInt(auditEventId)),
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
    const intervals = { reconcileSeconds: config.RECONCILE_INTERVAL_SECONDS, driftCheckSeconds: config.DRIFT_CHECK_INTERVAL_SECONDS };
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
      rateLimit: { requests: config.REQUEST_RATE_LIMIT, windowSeconds: config.REQUEST_RATE_WINDOW_SECONDS },
    };
    const { app, httpListener } = createSlackApp({
      botToken: config.SLACK_BOT_TOKEN,
      signingSecret: config.SLACK_SIGNING_SECRET,
      appToken: config.SLACK_APP_TOKEN,
      apiUrl: config.SLACK_API_URL,
      catalog,
      logger,
      customRoutes: healthRoutes({ db, redis: producerRedis }),
      useCases: {
        submitRequest: submitRequest(submitDeps),
        submitExtension: submitExtension(submitDeps),
        listRequests: listRequests({ requests }),
        requestEarlyRevoke: requestEarlyRevoke({ ...grantDeps, directory }),
        authorizeDecider: authorizeDecider(decisionDeps),
        approveRequest: approveRequest(decisionDeps),
        denyRequest: denyRequest(decisionDeps),
      },
    });
    if (httpListener) {
      const server = createServer(guardSlackRequests(httpListener, seenSignatures(producerRedis, config.REDIS_PREFIX, logger)));
      await new Promise<void>((resolve, reject) =>
        server.once('error', reject).listen({ port: config.PORT, host: config.LISTEN_HOST }, resolve),
      );
      port = (server.address() as AddressInfo).port;
      // Stop taking requests first: in-flight jobs and HTTP handlers finish before their connections close.
      stops.unshift(() => closeServer(server));
    } else {
      await app.start();
      stops.unshift(() => app.stop());
    }
    logger.info({ port, socketMode: !httpListener }, 'web role ready: Slack requests at /slack/events');
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

/** Signatures seen within the timestamp window, in Redis so every web replica shares them. */
function seenSignatures(redis: Redis, prefix: string, logger: Logger): SeenSignatures {
  return {
    async firstSeen(signature) {
      const set = redis.set(`${prefix}:slack-signature:${signature}`, '1', 'EX', 2 * MAX_CLOCK_SKEW_SECONDS, 'NX');
      const answer = await withTimeout(set, 500, 'unavailable' as const);
      if (answer === 'unavailable') {
        // Without Redis nothing can be scheduled anyway; a replay of an authorized request is the lesser risk.
        logger.warn('replay check unavailable (Redis); request let through');
        return true;
      }
      return answer === 'OK';
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
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
