import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { canonicalPath, createHttpServer } from '../../src/ops/http-server';
import { createLogger } from '../../src/shared/logger';

/** The web role's HTTP server: every request gets an answer, and none can take the server down. */
describe('the HTTP server', () => {
  let server: Server;
  let base: string;
  const logged: string[] = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'info', pretty: false, destination });
    server = createHttpServer(
      [
        { path: '/ok', methods: { GET: (_req, res) => void res.end('fine') } },
        { path: '/post', methods: { POST: (_req, res) => void res.end('posted') } },
        {
          path: '/throws',
          methods: {
            GET: () => {
              throw new Error('sync failure');
            },
          },
        },
        { path: '/rejects', methods: { GET: async () => Promise.reject(new Error('async failure')) } },
      ],
      logger,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test.each([
    ['GET', '/ok', 200],
    ['HEAD', '/ok', 200],
    ['GET', '/', 404],
    ['GET', '/metrics', 404],
    ['POST', '/post/x', 404],
    ['POST', '/ok', 405],
    ['GET', '/post', 405],
    ['DELETE', '/post', 405],
  ])('%s %s answers %i', async (method, path, status) => {
    const answer = await fetch(`${base}${path}`, { method });
    expect(answer.status).toBe(status);
    if (status === 405) expect(answer.headers.get('allow')).toBe(path === '/ok' ? 'GET, HEAD' : 'POST');
    if (method === 'HEAD') expect(await answer.text()).toBe('');
  });

  test.each(['/throws', '/rejects'])('a handler failing at %s answers 500, is logged, and the server keeps serving', async (path) => {
    const answer = await fetch(`${base}${path}`);
    expect(answer.status).toBe(500);
    expect(logged.join('')).toContain(path === '/throws' ? 'sync failure' : 'async failure');
    expect((await fetch(`${base}/ok`)).status).toBe(200);
  });

  test.each([
    ['/slack/events', '/slack/events'],
    ['/slack/events?x=1', '/slack/events'],
    ['/slack/%41vents', '/slack/%41vents'],
    ['/x/../slack/events', undefined],
    ['/./slack/events', undefined],
    ['/slack/%2e/events', undefined],
    ['/slack/%2E%2E/slack/events', undefined],
    ['/slack\\events', undefined],
    ['//slack/events', undefined],
    ['http://host/slack/events', undefined],
    ['*', undefined],
    ['/slack/events#x', undefined],
    ['/caf\u00e9', undefined],
  ])('the request target %j has the canonical path %j', (target, path) => {
    expect(canonicalPath(target)).toBe(path);
  });
});
