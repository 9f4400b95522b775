import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answer, type RouteHandler } from '../shared/http';
import type { Logger } from '../shared/logger';

/**
 * Bounds on what one client can hold. Slack sends a whole request at once and wants its answer within
 * 3 s, so a request still sending headers after 10 s, or a body after 15 s, is not Slack's.
 */
export const HTTP_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** Connections past this are closed as they arrive; far more than one workspace's Slack traffic. */
  maxConnections: 512,
} as const;

/** How often Node checks the header and request timeouts (its default, 30 s, would triple them). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface HttpRoute {
  path: string;
  /** By method; a GET handler answers HEAD too (Node sends no body for HEAD). */
  methods: Partial<Record<'GET' | 'POST', RouteHandler>>;
}

/**
 * The HTTP server of the web role, which no request can crash: a request target that is not the
 * canonical origin form of its own path gets 400 (so every path is seen once, as written), an unknown
 * path 404, a known path with another method 405, and a handler that throws or rejects 500 (logged).
 */
export function createHttpServer(routes: HttpRoute[], logger: Logger): Server {
  const byPath = new Map(routes.map((route) => [route.path, route.methods]));
  const server = createServer(
    {
      headersTimeout: HTTP_LIMITS.headersTimeoutMs,
      requestTimeout: HTTP_LIMITS.requestTimeoutMs,
      keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    router(byPath, logger),
  );
  server.maxConnections = HTTP_LIMITS.maxConnections;
  return server;
}

function router(byPath: Map<string, HttpRoute['methods']>, logger: Logger): RequestListener {
  return (req, res) => {
    const path = canonicalPath(req.url ?? '');
    if (path === undefined) return answer(res, 400, 'Bad request target');
    const methods = byPath.get(path);
    if (!methods) return answer(res, 404, 'Not found');
    const handler = req.method === 'HEAD' ? methods.GET : methods[req.method as keyof typeof methods];
    if (!handler) {
      const allowed = Object.keys(methods).flatMap((method) => (method === 'GET' ? ['GET', 'HEAD'] : [method]));
      return answer(res, 405, 'Method not allowed', { allow: allowed.join(', ') });
    }
    const failed = (err: unknown) => {
      logger.error({ err, method: req.method, path }, 'HTTP handler failed');
      if (res.headersSent) res.destroy();
      else answer(res, 500, 'Internal error');
    };
    try {
      const running = handler(req, res);
      if (running) running.catch(failed);
    } catch (err) {
      failed(err);
    }
  };
}

/**
 * The path of an origin-form request target (`/a/b?query`), or undefined when the target is anything
 * else: absolute form (`http://host/a`), dot segments (`/x/../a`, `/./a`, `/a/%2e/b`), backslashes, or
 * characters a URL parser would rewrite. Each of these names a path other than the one written, and
 * whatever checks the written path would check the wrong one.
 */
export function canonicalPath(target: string): string | undefined {
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  const written = target.split('?', 1)[0]!;
  try {
    return new URL(target, 'http://localhost').pathname === written ? written : undefined;
  } catch {
    return undefined;
  }
}

/** Listens on `port` (0: any free one) and `host` (unset: every interface); resolves to the port it got. */
export async function listen(server: Server, address: { port: number; host?: string }): Promise<number> {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(address, resolve));
  return (server.address() as AddressInfo).port;
}

/** Takes no new connections, closes the idle ones, and resolves once the requests being served are answered. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
