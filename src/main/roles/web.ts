import { closeServer, createHttpServer, type HttpRoute, listen } from '../../ops/http-server';
import { redisReplayRecord } from '../../ops/replay-record';
import { createSlackApp, SLACK_EVENTS_PATH } from '../../slack/inbound/app';
import { seenSignatures } from '../../slack/inbound/request-guard';
import type { Container, Stop } from '../container';

/**
 * The web role: the Bolt app, over HTTP at SLACK_EVENTS_PATH or over Socket Mode, with `sharedRoutes`
 * (the ops routes, when they share PORT) on the same server. Returns the port it listens on (none in
 * Socket Mode with nothing to share) and its shutdown steps, which stop taking requests first.
 */
export async function startWebRole(
  { config, logger, catalog, producerRedis, slackUseCases }: Container,
  sharedRoutes: HttpRoute[],
): Promise<{
  port?: number;
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
  // Slack's requests over HTTP unless they come over Socket Mode; with them whatever shares the port.
  const routes: HttpRoute[] = [...sharedRoutes];
  if (httpListener) routes.push({ path: SLACK_EVENTS_PATH, methods: { POST: httpListener } });
  const server = routes.length > 0 ? createHttpServer(routes, logger) : undefined;
  const port = server && (await listen(server, { port: config.PORT, host: config.LISTEN_HOST }));
  if (!httpListener) await app.start();
  logger.info({ port, socketMode: !httpListener }, `web role ready${httpListener ? `: Slack requests at ${SLACK_EVENTS_PATH}` : ''}`);
  const stops: Stop[] = [async () => identity.stop()];
  if (server) stops.push(() => closeServer(server));
  if (!httpListener) stops.push(() => app.stop());
  return { port, stops };
}
