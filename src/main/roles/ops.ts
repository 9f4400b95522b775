import { healthRoutes, monitorEventLoop } from '../../ops/health';
import { closeServer, createHttpServer, type HttpRoute, listen } from '../../ops/http-server';
import { metricsRoute } from '../../ops/metrics';
import type { Container, Stop } from '../container';

/**
 * What every role serves on its ops port, whatever else it runs: /healthz, /readyz and /metrics. The one
 * list of ops routes: another ops endpoint is one more entry here.
 */
export function opsRoutes({ db, producerRedis, metrics }: Container): { routes: HttpRoute[]; stop: Stop } {
  const eventLoop = monitorEventLoop();
  const routes = [
    ...healthRoutes({ postgres: () => db.$queryRaw`SELECT 1`, redis: () => producerRedis.ping() }, eventLoop),
    metricsRoute(metrics),
  ];
  return { routes, stop: async () => eventLoop.stop() };
}

/** The ops routes on a server of their own, on `port`; resolves to the port it got and its shutdown step. */
export async function startOpsServer(
  { config, logger }: Container,
  routes: HttpRoute[],
  port: number,
): Promise<{ port: number; stop: Stop }> {
  const server = createHttpServer(routes, logger);
  const listening = await listen(server, { port, host: config.LISTEN_HOST });
  logger.info({ opsPort: listening }, `ops port ready: ${routes.map((route) => route.path).join(', ')}`);
  return { port: listening, stop: () => closeServer(server) };
}
