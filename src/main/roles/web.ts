import { healthRoutes } from '../../ops/health';
import { closeServer, createHttpServer, type HttpRoute, listen } from '../../ops/http-server';
import { metricsRoute } from '../../ops/metrics';
import { redisReplayRecord } from '../../ops/replay-record';
import { createSlackApp, SLACK_EVENTS_PATH } from '../../slack/inbound/app';
import { seenSignatures } from '../../slack/inbound/request-guard';
import type { Container, Stop } from '../container';

/**
 * The web role: the Bolt app, over HTTP at SLACK_EVENTS_PATH or over Socket Mode, the health routes and /metrics.
 * Returns the port it listens on and its shutdown steps, which stop taking requests first.
 */
export async function startWebRole({ config, logger, catalog, db, producerRedis, metrics, slackUseCases }: Container): Promise<{
  port: number;
  stops: Stop[];
}> {
  const { app, httpListener, identity } = createSlackApp({
    botToken: config.SLACK_BOT_TOKEN,
    signingSecret: config.SLACK_SIGNING_SECRET,
    appToken: config.SLACK_APP_TOKEN,
    apiUrl: config.SLACK_API_URL,
    catalog,
    logger,
    seenSignatures: seenSignatures(redisReplayRecord(producerRedis, config.REDIS_PREFIX), logger),
    useCases: slackUseCases,
  });
  identity.start();
  // Health and metrics over HTTP in both modes; Slack's requests too, unless they come over Socket Mode.
  const routes: HttpRoute[] = [
    ...healthRoutes({ postgres: () => db.$queryRaw`SELECT 1`, redis: () => producerRedis.ping() }),
    metricsRoute(metrics),
  ];
  if (httpListener) routes.push({ path: SLACK_EVENTS_PATH, methods: { POST: httpListener } });
  const server = createHttpServer(routes, logger);
  const port = await listen(server, { port: config.PORT, host: config.LISTEN_HOST });
  if (!httpListener) await app.start();
  logger.info({ port, socketMode: !httpListener }, `web role ready${httpListener ? `: Slack requests at ${SLACK_EVENTS_PATH}` : ''}`);
  const stops: Stop[] = [async () => identity.stop(), () => closeServer(server)];
  if (!httpListener) stops.push(() => app.stop());
  return { port, stops };
}
