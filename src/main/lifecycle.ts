import { warnIfAuditRewritable } from '../ops/database-role';
import { warnAboutRedisSettings } from '../ops/redis-settings';
import type { Logger } from '../shared/logger';
import type { Config } from './config';
import { buildContainer, type Stop } from './container';
import { opsRoutes, startOpsServer } from './roles/ops';
import { startWebRole } from './roles/web';
import { startWorkerRole } from './roles/worker';

export type Role = 'web' | 'worker' | 'all';
export const ROLES: readonly Role[] = ['web', 'worker', 'all'];

export interface Runtime {
  /** The HTTP port the web role listens on (useful when PORT=0). */
  port?: number;
  /** The port of /healthz and /readyz: the web role's own when they share it. */
  opsPort: number;
  stop(): Promise<void>;
}

/** How long shutdown lets running work finish before it cuts the connections. */
export const SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * Builds everything once and starts what the role runs: the ops port first (a worker answers /healthz
 * while its start-up reconcile runs), then the workers, so that schedules lost while nothing ran are back
 * before the web role takes requests. The web role serves the ops routes on its own server when
 * OPS_PORT is unset or equal to PORT.
 */
export async function startRuntime(config: Config, role: Role, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const container = buildContainer(config, logger, env);
  await warnAboutRedisSettings(container.producerRedis, logger);
  void warnIfAuditRewritable(container.audit, logger);
  const ops = opsRoutes(container);
  const opsOnWebPort = role !== 'worker' && (config.OPS_PORT ?? config.PORT) === config.PORT;
  const opsServer = opsOnWebPort ? undefined : await startOpsServer(container, ops.routes, config.OPS_PORT ?? config.PORT);
  const workerStops = role === 'web' ? [] : await startWorkerRole(container);
  const web = role === 'worker' ? undefined : await startWebRole(container, opsOnWebPort ? ops.routes : []);
  // Stop taking requests first: in-flight jobs and HTTP handlers finish before their connections close.
  const stops = [...(web?.stops ?? []), ...workerStops, ...(opsServer ? [opsServer.stop] : []), ops.stop, ...container.closeConnections];
  return {
    port: web?.port,
    opsPort: opsServer?.port ?? web!.port!,
    stop: () => stopInOrder(stops, logger, () => container.redis.disconnect()),
  };
}

/** SIGTERM or SIGINT stops taking work, lets running work finish and closes the connections. */
export function runUntilSignal(running: { stop(): Promise<void> }, logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      void running.stop().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/**
 * Runs each step in turn (one that fails is logged, and the next still runs); after SHUTDOWN_TIMEOUT_MS
 * it stops waiting and calls `cut`, which ends what still holds the process open.
 */
async function stopInOrder(stops: readonly Stop[], logger: Logger, cut: () => void): Promise<void> {
  const all = (async () => {
    for (const stop of stops) await stop().catch((err: unknown) => logger.warn({ err }, 'error during shutdown'));
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.warn('shutdown timed out; closing connections');
      cut();
      resolve();
    }, SHUTDOWN_TIMEOUT_MS);
  });
  await Promise.race([all, timeout]);
  clearTimeout(timer);
}
