import type { ServerResponse } from 'node:http';
import type { HttpRoute } from './http-server';
import { withTimeout } from '../shared/timeout';

const CHECK_TIMEOUT_MS = 2000;

/** A ping of each dependency the process cannot work without; the container gives them, ops knows no client. */
export interface Dependencies {
  postgres(): Promise<unknown>;
  redis(): Promise<unknown>;
}

/** Which dependencies answer now; each check is bounded so a hung one (or one that throws) reads as down. */
export async function checkDependencies(deps: Dependencies): Promise<Record<keyof Dependencies, boolean>> {
  const answers = (ping: () => Promise<unknown>) =>
    withTimeout(
      ping().then(
        () => true,
        () => false,
      ),
      CHECK_TIMEOUT_MS,
      false,
    );
  const [postgres, redis] = await Promise.all([answers(deps.postgres), answers(deps.redis)]);
  return { postgres, redis };
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
