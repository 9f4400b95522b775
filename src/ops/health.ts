import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { Db } from '../db/client';
import type { HttpRoute } from './http-server';
import { withTimeout } from '../shared/timeout';

const CHECK_TIMEOUT_MS = 2000;

export interface Dependencies {
  db: Db;
  redis: Redis;
}

/** Which dependencies answer now; each check is bounded so a hung one reads as down. */
export async function checkDependencies({ db, redis }: Dependencies): Promise<Record<'postgres' | 'redis', boolean>> {
  const [postgres, redisUp] = await Promise.all([
    withTimeout(
      db.$queryRaw`SELECT 1`.then(() => true),
      CHECK_TIMEOUT_MS,
      false,
    ),
    withTimeout(
      redis.ping().then(() => true),
      CHECK_TIMEOUT_MS,
      false,
    ),
  ]);
  return { postgres, redis: redisUp };
}

/**
 * /healthz: the process serves. /readyz: it can do its work, naming what is down. Both check
 * PostgreSQL and Redis, since without them no request can be stored or scheduled.
 */
export function healthRoutes(deps: Dependencies): HttpRoute[] {
  const report = async (_req: unknown, res: ServerResponse) => {
    const status = await checkDependencies(deps);
    const down = Object.entries(status)
      .filter(([, up]) => !up)
      .map(([name]) => name);
    res.writeHead(down.length === 0 ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify(down.length === 0 ? { status: 'ok', ...status } : { status: 'unavailable', down, ...status }));
  };
  return [
    { path: '/healthz', methods: { GET: report } },
    { path: '/readyz', methods: { GET: report } },
  ];
}
