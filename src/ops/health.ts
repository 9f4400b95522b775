import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServerResponse } from 'node:http';
import type { HttpRoute } from './http-server';
import { withTimeout } from '../shared/timeout';

const CHECK_TIMEOUT_MS = 2000;

/** A loop that has stalled this long within the last window is not serving: /healthz answers 503. */
export const EVENT_LOOP_STALL_MS = 1000;
/** The window the delay is measured over: the delays of the current and of the previous one count. */
const EVENT_LOOP_WINDOW_MS = 5000;

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

/** The longest event-loop delay of the recent past, in ms, measured by perf_hooks; stop() ends the measuring. */
export interface EventLoopMonitor {
  recentMaxDelayMs(): number;
  stop(): void;
}

export function monitorEventLoop(windowMs = EVENT_LOOP_WINDOW_MS): EventLoopMonitor {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  let previousMaxMs = 0;
  // Unref'd: the measuring never holds the process open.
  const rotate = setInterval(() => {
    previousMaxMs = histogram.max / 1e6;
    histogram.reset();
  }, windowMs).unref();
  return {
    recentMaxDelayMs: () => Math.max(previousMaxMs, histogram.max / 1e6),
    stop: () => {
      clearInterval(rotate);
      histogram.disable();
    },
  };
}

const json = (res: ServerResponse, status: number, body: object) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/**
 * /healthz (liveness): the process and its event loop are alive; no dependency is checked, so a
 * PostgreSQL or Redis blip never gets a healthy process restarted. /readyz (readiness): PostgreSQL and
 * Redis answer, each within CHECK_TIMEOUT_MS, naming the ones that do not.
 */
export function healthRoutes(deps: Dependencies, eventLoop: EventLoopMonitor, stallMs = EVENT_LOOP_STALL_MS): HttpRoute[] {
  const live = (_req: unknown, res: ServerResponse) => {
    const eventLoopDelayMs = Math.round(eventLoop.recentMaxDelayMs());
    if (eventLoopDelayMs > stallMs) json(res, 503, { status: 'stalled', eventLoopDelayMs });
    else json(res, 200, { status: 'ok', eventLoopDelayMs });
  };
  const ready = async (_req: unknown, res: ServerResponse) => {
    const status = await checkDependencies(deps);
    const down = Object.entries(status)
      .filter(([, up]) => !up)
      .map(([name]) => name);
    if (down.length === 0) json(res, 200, { status: 'ok', ...status });
    else json(res, 503, { status: 'unavailable', down, ...status });
  };
  return [
    { path: '/healthz', methods: { GET: live } },
    { path: '/readyz', methods: { GET: ready } },
  ];
}
