import type { Server } from 'node:http';
import { healthRoutes, monitorEventLoop, type EventLoopMonitor } from '../../src/ops/health';
import { createHttpServer, listen } from '../../src/ops/http-server';
import { createLogger } from '../../src/shared/logger';

/** Holds the event loop, as a synchronous loop in a handler or a huge JSON.parse would. */
function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/** Lets the loop turn (a timer): perf_hooks measures from its first tick, and records a block at the next. */
const turn = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('/healthz', () => {
  let eventLoop: EventLoopMonitor;
  let server: Server;
  let base: string;
  const downPing = () => Promise.reject(new Error('down'));

  beforeEach(async () => {
    eventLoop = monitorEventLoop(60_000);
    // Dependencies that are down: liveness never asks them.
    const routes = healthRoutes({ postgres: downPing, redis: downPing }, eventLoop, 300);
    server = createHttpServer(routes, createLogger({ level: 'silent', pretty: false }));
    base = `http://127.0.0.1:${await listen(server, { port: 0, host: '127.0.0.1' })}`;
  });

  afterEach(async () => {
    eventLoop.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  test('answers 200 while the loop turns, whatever PostgreSQL and Redis do', async () => {
    await turn();
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', eventLoopDelayMs: expect.any(Number) });
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });

  test('answers 503 once the loop has stalled beyond the threshold', async () => {
    await turn();
    blockEventLoop(600);
    await turn();
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; eventLoopDelayMs: number };
    expect(body.status).toBe('stalled');
    expect(body.eventLoopDelayMs).toBeGreaterThan(300);
  });
});

test('the event-loop monitor forgets a stall two windows later', async () => {
  const eventLoop = monitorEventLoop(100);
  try {
    await turn();
    blockEventLoop(300);
    await turn();
    expect(eventLoop.recentMaxDelayMs()).toBeGreaterThan(250);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(eventLoop.recentMaxDelayMs()).toBeLessThan(250);
  } finally {
    eventLoop.stop();
  }
});
