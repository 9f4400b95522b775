import fc from 'fast-check';
import { connect, type Socket } from 'node:net';
import { HTTP_LIMITS } from '../../src/ops/http-server';
import { MAX_BODY_BYTES } from '../../src/slack/inbound/request-guard';
import { blockActionsPayload, signSlackRequest, viewSubmissionPayload } from '../../devkit/slack-standin/signed-request';
import type { AppProcess } from '../support/app-process';
import { guarantee } from '../support/guarantees';
import { grantAccess, SIGNING_SECRET, useHarness, waitUntil } from '../support/harness';
import { type RawRequest, sendRaw, sendRawBytes } from '../support/raw-http';

/**
 * The web role faces the open internet: whatever arrives, from anyone, the process answers and stays
 * up, in the `all` role with its workers, so revocations keep running. It runs as a process of its own,
 * as in production, so a request that killed it would be seen.
 */
describe(guarantee(13), () => {
  const h = useHarness({ role: 'none', env: { REQUEST_RATE_LIMIT: '10000' } });
  let app: AppProcess;

  beforeAll(async () => {
    app = await h.spawn('all');
  });

  const send = (request: RawRequest) => sendRaw(app.port, request);

  async function stillServing(): Promise<void> {
    const health = await fetch(`http://127.0.0.1:${app.port}/healthz`).catch((error: unknown) => {
      throw new Error(`the process does not answer (${String(error)}); its output:\n${app.log.slice(-4000)}`);
    });
    expect(health.status).toBe(200);
  }

  test.each([
    ['GET', '/', 404],
    ['HEAD', '/healthz', 200],
    ['HEAD', '/readyz', 200],
    ['POST', '/slack/events/x', 404],
    ['GET', '/metrics', 200],
    ['HEAD', '/metrics', 200],
    ['GET', '/slack/events', 405],
    ['PUT', '/healthz', 405],
    ['OPTIONS', '*', 400],
    ['GET', '/x/../healthz', 400],
    ['GET', 'http://127.0.0.1/healthz', 400],
    ['POST', '/slack/events', 401],
  ])('%s %s answers %i', async (method, target, status) => {
    const answer = await send({ method, target });
    expect(answer.status).toBe(status);
    if (method === 'HEAD') expect(answer.text).not.toContain('"status"');
    await stillServing();
  });

  test(`a body larger than ${MAX_BODY_BYTES} bytes is refused with 413, signed or not`, async () => {
    const body = `payload=${'x'.repeat(MAX_BODY_BYTES)}`;
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, body) };
    expect((await send({ method: 'POST', target: '/slack/events', headers, body })).status).toBe(413);
    await stillServing();
  });

  test.each(['null', '"text"', 'payload=null'])('a signed body that parses to %s, not an object, is refused with 400', async (body) => {
    const type = body.startsWith('payload=') ? 'application/x-www-form-urlencoded' : 'application/json';
    const headers = { 'content-type': type, ...signSlackRequest(SIGNING_SECRET, body) };
    expect((await send({ method: 'POST', target: '/slack/events', headers, body })).status).toBe(400);
    await stillServing();
  });

  const slackHeaderNames = ['x-slack-signature', 'x-slack-request-timestamp', 'content-type', 'x-slack-retry-num', 'expect', 'host'];
  const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,80}$/).map((v) => v.trim());
  const request = fc.record({
    method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'BREW', 'get'),
    target: fc.oneof(
      fc.constantFrom(
        '/',
        '/healthz',
        '/readyz',
        '/slack/events',
        '/slack/events/x',
        '/slack/events?ssl_check=1',
        '/metrics',
        '/x/../slack/events',
        '/./slack/events',
        '/slack/%2e/events',
        'http://host/slack/events',
        '*',
        '//',
        '/%',
        '/%zz',
        '/healthz%',
        '/\u00ff\u00fe',
      ),
      fc.stringMatching(/^[\x21-\x7e]{0,60}$/).map((path) => `/${path}`),
    ),
    headers: fc.dictionary(
      fc.oneof(fc.constantFrom(...slackHeaderNames), fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/)),
      fc.oneof(headerValue, fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'v0=', '100-continue', '99999999999')),
      { maxKeys: 6 },
    ),
    body: fc.oneof(
      fc.string({ maxLength: 500 }),
      fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
      fc.json({ maxDepth: 3 }),
      fc.constantFrom(
        'null',
        '[]',
        '"x"',
        '1',
        'ssl_check=1',
        'payload=null',
        'payload=%7B',
        '{"type":"url_verification","challenge":"c"}',
      ),
      fc.string({ maxLength: 200 }).map((text) => new URLSearchParams({ command: '/prod-access', text, user_id: 'UFUZZ' }).toString()),
      fc.constantFrom('block_actions', 'view_submission').map((kind) =>
        new URLSearchParams({
          payload: JSON.stringify(
            kind === 'block_actions'
              ? blockActionsPayload({
                  user: 'UFUZZ',
                  actionId: 'approve',
                  value: '1',
                  channel: 'C0OWNERS01',
                  messageTs: '1.2',
                  responseUrl: h.slack.responseUrl('fuzz'),
                })
              : viewSubmissionPayload({ user: 'UFUZZ', callbackId: 'request_access', values: {} }),
          ),
        }).toString(),
      ),
    ),
    /** Signed with the real secret, so the body gets past the guard to Bolt and the listeners. */
    signed: fc.boolean(),
  });

  test('a few hundred random methods, targets, headers and bodies each get an answer, and the process keeps serving', async () => {
    const forbidden = new Set(['content-length', 'connection', 'transfer-encoding']);
    await fc.assert(
      fc.asyncProperty(request, async ({ method, target, headers, body, signed }) => {
        const sent = Object.fromEntries(Object.entries(headers).filter(([name]) => !forbidden.has(name.toLowerCase())));
        if (signed) Object.assign(sent, signSlackRequest(SIGNING_SECRET, Buffer.from(body).toString('utf8')));
        const answer = await send({ method, target, headers: sent, body: signed ? Buffer.from(Buffer.from(body).toString('utf8')) : body });
        expect(answer.status).toBeDefined();
        expect(answer.status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    await stillServing();
  }, 180_000);

  test(`1,500 slow half-open requests are not all held: past ${HTTP_LIMITS.maxConnections} they are closed at once, the rest at the timeouts`, async () => {
    const slow: Socket[] = [];
    let closed = 0;
    const open = (bytes: string) =>
      new Promise<void>((resolve) => {
        const socket = connect(app.port, '127.0.0.1', () => {
          socket.write(bytes);
          resolve();
        });
        socket.on('error', () => resolve());
        // Read what the server sends (its 408), or the end of the stream would never be seen.
        socket.resume();
        socket.on('close', () => {
          closed += 1;
          resolve();
        });
        slow.push(socket);
      });
    const headersNeverEnd = 'POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slow: ';
    const bodyNeverEnds = 'POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npayload=';
    try {
      for (let n = 0; n < 1500; n += 1) await open(n % 10 === 0 ? bodyNeverEnds : headersNeverEnd);
      await waitUntil(
        () => (closed === slow.length ? true : undefined),
        HTTP_LIMITS.requestTimeoutMs + 10_000,
        () => `the server to close every slow request; ${closed} of ${slow.length} closed`,
      );
    } finally {
      slow.forEach((socket) => socket.destroy());
    }
    await stillServing();
  }, 60_000);

  test('a request that breaks off mid-body leaves the process serving', async () => {
    const bytes = Buffer.from('POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort');
    const socket = connect(app.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(bytes);
    socket.resetAndDestroy();
    await stillServing();
    expect((await sendRawBytes(app.port, Buffer.from('GARBAGE\r\n\r\n'))).status).toBe(400);
  });

  test('after all of it, a grant is still given and taken back at its expiry', async () => {
    await stillServing();
    const id = await grantAccess(h, { duration: '3s', reason: 'after the fuzzing', timeoutMs: 30_000 });
    await h.waitForApprovalMessage(id, 'Ended at its expiry', 30_000);
    expect(await h.target.developerCanRead()).toBe(false);
  }, 90_000);
});
