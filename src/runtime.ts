import { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { approveRequest, authorizeDecider, denyRequest } from './app/decisions';
import { expirePending, grantOrFail, requestEarlyRevoke, revokeGrant } from './app/grants';
import { systemClock } from './app/ports';
import { reconcile } from './app/reconcile';
import { listRequests, submitRequest } from './app/requests';
import { loadCatalog } from './catalog/load';
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

export type Role = 'web' | 'worker' | 'all';
export const ROLES: readonly Role[] = ['web', 'worker', 'all'];

export interface Runtime {
  /** The HTTP port the web role listens on (useful when PORT=0). */
  port?: number;
  stop(): Promise<void>;
}

const SHUTDOWN_TIMEOUT_MS = 15_000;

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
      schedule: queues,
      expirePending: expire,
      clock,
      intervalSeconds: config.RECONCILE_INTERVAL_SECONDS,
    });
    const handlers: JobHandlers = {
      grant: ({ requestId }, { lastAttempt }) => grant(requestId, lastAttempt),
      revoke: ({ requestId }) => revoke(requestId),
      revokeNow: ({ requestId }) => revoke(requestId),
      expirePending: ({ requestId }) => expire(requestId),
      reconcile: () => reconcileOnce(),
      syncMessage: ({ requestId }) => notifier.syncApprovalMessage(requestId),
      notifyRequester: ({ requestId, notice }) => notifier.notifyRequester(requestId, notice),
      postAudit: ({ auditEventId }) => notifier.postAuditEvent(BigInt(auditEventId)),
    };
    workers = startWorkers({
      connection: () => redis({ forWorker: true }),
      prefix: config.REDIS_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      handlers,
      logger,
    });
    await queues.scheduleReconciler(config.RECONCILE_INTERVAL_SECONDS);
    // Schedules lost while nothing ran are recovered before anything else happens.
    logger.info({ report: await reconcileOnce() }, 'start-up reconcile done');
    stops.push(() => Promise.all(workers.map((w) => w.close())));
  }

  if (role !== 'worker') {
    const decisionDeps = { ...base, directory };
    const app = createSlackApp({
      botToken: config.SLACK_BOT_TOKEN,
      signingSecret: config.SLACK_SIGNING_SECRET,
      appToken: config.SLACK_APP_TOKEN,
      apiUrl: config.SLACK_API_URL,
      catalog,
      logger,
      customRoutes: healthRoutes({ db, redis: producerRedis }),
      useCases: {
        submitRequest: submitRequest({ ...base, directory }),
        listRequests: listRequests({ requests }),
        requestEarlyRevoke: requestEarlyRevoke({ ...grantDeps, directory }),
        authorizeDecider: authorizeDecider(decisionDeps),
        approveRequest: approveRequest(decisionDeps),
        denyRequest: denyRequest(decisionDeps),
      },
    });
    const server = await app.start(config.LISTEN_HOST ? { port: config.PORT, host: config.LISTEN_HOST } : config.PORT);
    const address = server && 'address' in server ? server.address() : null;
    port = address && typeof address === 'object' ? address.port : config.PORT;
    logger.info({ port, socketMode: Boolean(config.SLACK_APP_TOKEN) }, 'web role listening at /slack/events');
    // Stop taking requests first: in-flight jobs and HTTP handlers finish before their connections close.
    stops.unshift(() => app.stop());
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
