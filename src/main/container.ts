import type { Redis } from 'ioredis';
import { postAccessDigest } from '../app/access-report';
import { anchorAuditChain } from '../app/audit-anchor';
import { flushAuditChannel } from '../app/audit-channel';
import { escalateOverdueReviews, reviewBreakGlass, submitBreakGlass } from '../app/break-glass';
import { approveRequest, denyRequest } from '../app/decisions';
import { checkDrift } from '../app/drift';
import { warnBeforeExpiry } from '../app/expiry-warnings';
import { grantOrFail } from '../app/grants';
import { sampleIdleGrants } from '../app/idle-grants';
import { appHome } from '../app/home';
import { requestNotices } from '../app/notices';
import { expirePending } from '../app/pending';
import { systemClock } from '../app/ports';
import { reconcile } from '../app/reconcile';
import { pendingReminders } from '../app/reminders';
import { extensionForm, listRequests, submitExtension, submitRequest } from '../app/requests';
import { alertRevokeFailures } from '../app/revoke-failed';
import { requestEarlyRevoke, revokeGrant } from '../app/revokes';
import { loadCatalog } from './catalog/load';
import { PrismaAccessReviews } from '../db/access-report';
import { PrismaAuditLog } from '../db/audit-log';
import { AuditChain } from '../db/audit-chain';
import { createDb } from '../db/client';
import { IdentityBindingRepository } from '../db/identity-bindings';
import { grantCounts } from '../db/grant-counts';
import { PrismaRequestStore } from '../db/request-store';
import type { JobUseCases } from '../jobs/handlers';
import { JobQueues } from '../jobs/queues';
import { SlackDirectory } from '../slack/outbound/directory';
import { SlackHomeTab } from '../slack/outbound/home-tab';
import { SlackAuditChannel } from '../slack/outbound/audit-channel';
import { SlackNotifier } from '../slack/outbound/notifier';
import { PromMetrics } from '../ops/metrics';
import { CachedLevelDescriptions } from '../providers/level-descriptions';
import { ProviderPools } from '../providers/pools';
import { createProviderFactory } from '../providers/registry';
import type { Logger } from '../shared/logger';
import type { SlackUseCases } from '../slack/inbound/use-cases';
import { createWebClient } from '../slack/outbound/web-client';
import { auditKeyOf, type Config } from './config';
import { openRedis, type RedisSettings } from './redis';

/** One step of shutdown. */
export type Stop = () => Promise<unknown>;

export type Container = ReturnType<typeof buildContainer>;

/**
 * Every adapter, built once, and the use-cases wired to them. Construction only: nothing here starts
 * work; each role takes the parts it runs.
 */
export function buildContainer(config: Config, logger: Logger, env: NodeJS.ProcessEnv) {
  const catalog = loadCatalog(config.PROD_ACCESS_CATALOG, env);
  const db = createDb(config.DATABASE_URL);
  const redis = redisConnections(config, logger);
  const producerRedis = redis.connect({ forWorker: false });
  const queues = new JobQueues(producerRedis, config.REDIS_PREFIX, logger);
  const metrics = new PromMetrics(
    {
      levels: () => catalog.resources.flatMap((resource) => resource.levels.map((level) => ({ resourceId: resource.id, level: level.id }))),
      grantCounts: () => grantCounts(db, config.REVOKE_FAILED_ALERT_SECONDS),
      queueMetrics: () => queues.prometheusMetrics(),
    },
    logger,
  );
  const slackCalled = metrics.slackCalled.bind(metrics);
  const slackApi = { token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL };
  const slack = createWebClient(slackApi, logger, slackCalled);
  const chain = new AuditChain(auditKeyOf(config));
  const requests = new PrismaRequestStore(db, chain, logger);
  const audit = new PrismaAuditLog(db);
  const directory = new SlackDirectory(slack);
  const notifier = new SlackNotifier({ slack });
  // Its own client, so the rate limits of DMs and approval messages never hold back the audit channel.
  const auditChannel = new SlackAuditChannel({
    catalog,
    requests,
    slack: createWebClient(slackApi, logger, slackCalled),
  });
  const providerPools = new ProviderPools({
    size: config.PROVIDER_POOL_SIZE,
    idleMs: config.PROVIDER_POOL_IDLE_SECONDS * 1000,
    logger,
  });
  const providers = createProviderFactory(env, providerPools, metrics.providerCalled.bind(metrics));
  const clock = systemClock;
  const levels = new CachedLevelDescriptions({ providers, logger });
  const notices = requestNotices({ catalog, requests, messenger: notifier, levels, clock });

  const base = { catalog, requests, announcements: queues, schedule: queues, clock, metrics };
  const grantDeps = { ...base, providers, delivery: notices };
  const decisionDeps = { ...base, directory };
  const submitDeps = {
    ...decisionDeps,
    identities: new IdentityBindingRepository(db),
    rateLimit: { requests: config.REQUEST_RATE_LIMIT, windowSeconds: config.REQUEST_RATE_WINDOW_SECONDS },
  };
  const expire = expirePending(base);
  const breakGlassRateLimit = { requests: config.BREAK_GLASS_RATE_LIMIT, windowSeconds: config.BREAK_GLASS_RATE_WINDOW_SECONDS };
  // Its own client: Slack's rate limit of views.publish pauses the client it hits, and must not pause the others.
  const homeTab = new SlackHomeTab(createWebClient(slackApi, logger, slackCalled), catalog);
  const homes = appHome({ catalog, requests, directory, homeTab, announcements: queues, clock });

  const slackUseCases: SlackUseCases = {
    submitRequest: submitRequest(submitDeps),
    submitExtension: submitExtension(submitDeps),
    extensionForm: extensionForm(submitDeps),
    listRequests: listRequests({ requests }),
    requestEarlyRevoke: requestEarlyRevoke({ ...grantDeps, directory }),
    approveRequest: approveRequest(decisionDeps),
    denyRequest: denyRequest(decisionDeps),
    submitBreakGlass: submitBreakGlass({ ...submitDeps, breakGlassRateLimit }),
    reviewBreakGlass: reviewBreakGlass(decisionDeps),
    publishHome: homes.publish,
  };
  const jobUseCases: JobUseCases = {
    grant: grantOrFail(grantDeps),
    revoke: revokeGrant(grantDeps),
    expirePending: expire,
    reconcile: reconcile({
      requests,
      audit,
      schedule: queues,
      announcements: queues,
      expirePending: expire,
      escalateReviews: escalateOverdueReviews(base),
      alertRevokeFailures: alertRevokeFailures({ ...base, thresholdSeconds: config.REVOKE_FAILED_ALERT_SECONDS }),
      clock,
      intervalSeconds: config.RECONCILE_INTERVAL_SECONDS,
      metrics,
    }),
    anchorAudit: anchorAuditChain({ requests, announcements: queues }),
    accessDigest: postAccessDigest({
      reviews: new PrismaAccessReviews(db, chain, logger),
      clock,
      catalog,
      announcements: queues,
      intervalSeconds: config.ACCESS_DIGEST_INTERVAL_SECONDS,
    }),
    checkDrift: checkDrift({ catalog, requests, audit, providers, announcements: queues, clock, metrics }),
    postAudit: flushAuditChannel({ audit, channel: auditChannel, clock }),
    sampleIdleGrants: sampleIdleGrants(grantDeps),
    reminders: pendingReminders({ catalog, requests, messenger: notifier, announcements: queues, clock }),
    warnBeforeExpiry: warnBeforeExpiry({ ...base, providers, messenger: notifier }),
    messages: notices,
    homes,
  };

  return {
    config,
    env,
    logger,
    catalog,
    db,
    redis,
    producerRedis,
    queues,
    audit,
    metrics,
    slackUseCases,
    jobUseCases,
    /** Once the roles have stopped: the connections, in this order. */
    closeConnections: [() => queues.close(), () => providerPools.close(), () => db.$disconnect(), () => redis.quit()] satisfies Stop[],
  };
}

/** Opens the process's Redis connections and keeps them, so that shutdown closes every one. */
function redisConnections(settings: RedisSettings, logger: Logger) {
  const opened: Redis[] = [];
  return {
    connect(options: { forWorker: boolean }): Redis {
      // Workers block on Redis and must wait for it; producers fail fast so a Slack handler never hangs.
      const connection = openRedis(settings, { maxRetriesPerRequest: options.forWorker ? null : 3, lazyConnect: false });
      connection.on('error', (err) => logger.warn({ err }, 'redis connection error'));
      opened.push(connection);
      return connection;
    },
    quit: () => Promise.all(opened.map((c) => c.quit().catch(() => c.disconnect()))),
    /** Without waiting for replies: when shutdown has run out of time. */
    disconnect: () => opened.forEach((c) => c.disconnect()),
  };
}
