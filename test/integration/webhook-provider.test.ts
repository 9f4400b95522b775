import { type AddressInfo, createServer } from 'node:net';
import { createReceiver, memoryHandlers, Refusal, verifySignature, type WebhookPayload } from '../../examples/webhook-receiver';
import { webhookProvider, webhookSignature } from '../../src/providers/webhook';
import type { AccessProvider } from '../../src/providers/types';
import { describeProviderConformance, ownedGrants } from '../support/provider-conformance';

const SECRET = 'webhook-test-secret-0123456789';
const owned = ownedGrants('w');
const grants = memoryHandlers();
/** Every payload the receiver got, and answers to force on the next calls. */
const received: { payload: WebhookPayload; headers: Record<string, unknown>; body: string }[] = [];
const forced: (() => never)[] = [];
const server = createReceiver({
  secret: SECRET,
  handlers: {
    grant: (p) => (
      forced.shift()?.(),
      grants.grant(p),
      p.target.credential ? { lines: [`Log in as ${p.identity}`], oneTimeSecret: 'token-from-the-receiver' } : undefined
    ),
    revoke: (p) => (forced.shift()?.(), grants.revoke(p)),
    check: (p) => (forced.shift()?.(), grants.check(p)),
  },
});
server.on('request', (req) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => received.push({ payload: JSON.parse(body) as WebhookPayload, headers: req.headers, body }));
});
let url = '';
const env = { PROVIDER_TEST_WEBHOOK_SECRET: SECRET, WRONG_SECRET: 'not-the-secret-of-the-receiver' };
const provider = (settings: Record<string, unknown> = {}): AccessProvider =>
  webhookProvider.create({ url, allowInsecure: true, secretEnv: 'PROVIDER_TEST_WEBHOOK_SECRET', retries: 2, ...settings }, env);
const spec = (identity: string, target: Record<string, unknown> = { app: 'orders-api', group: 'support' }) => owned.spec(identity, target);
const failWith = (status: number, times = 1) => {
  for (let i = 0; i < times; i++)
    forced.push(() => {
      throw new Refusal(status, `forced ${status}`);
    });
};

/** A port nothing listens on: taken from the system, then given back. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod-access?token=in-the-query`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  received.length = 0;
  forced.length = 0;
});

let identities = 0;
describeProviderConformance('Webhook provider', {
  provider: () => provider(),
  newGrant: async () => spec(`${owned.suffix}.u${++identities}@example.com`),
  observe: async (grant) => (grants.grants.get(grant.requestId)?.identity === grant.identity ? 1 : 0),
  createsCredentials: false,
});

describe('Webhook provider', () => {
  test('what a level allows is the exact call a grant makes, without the query string and without a call', async () => {
    const summary = await provider().describeLevel!({ app: 'orders-api', environments: ['production'] });
    expect(summary).toBe(
      `A signed POST to ${new URL(url).origin}/prod-access: "grant" with the target {"app":"orders-api","environments":["production"]}.`,
    );
    expect(summary).not.toContain('token');
    expect(received).toEqual([]);
  });

  test('the receiver lets the identity in during the grant and not after the revoke', async () => {
    const webhook = provider();
    const grant = spec('alice');
    await webhook.grant(grant);
    expect(grants.check({ ...received[0]!.payload })).toBe(true);
    await webhook.revoke(grant);
    expect(grants.check({ ...received[0]!.payload })).toBe(false);
  });

  test('every call is a signed, timestamped JSON body in the documented shape', async () => {
    const grant = spec('bob');
    await provider().grant(grant);
    const [{ payload, headers }] = received as [(typeof received)[0]];
    expect(payload).toEqual({
      version: 1,
      action: 'grant',
      requestId: grant.requestId,
      resource: 'test-resource',
      level: 'test-level',
      identity: 'bob',
      target: { app: 'orders-api', group: 'support' },
      expiresAt: grant.expiresAt.toISOString(),
      deliveryId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const timestamp = Number(headers['x-prod-access-timestamp']);
    expect(headers['x-prod-access-signature']).toBe(webhookSignature(SECRET, timestamp, JSON.stringify(payload)));
    expect(headers['x-prod-access-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    await provider().revoke(grant);
  });

  test('a receiver refuses a stale timestamp or a tampered body', () => {
    const body = '{"action":"grant"}';
    const now = Date.now();
    const ts = Math.floor(now / 1000);
    expect(verifySignature(SECRET, String(ts), webhookSignature(SECRET, ts, body), body, now)).toBe(true);
    expect(verifySignature(SECRET, String(ts), webhookSignature(SECRET, ts, body), body, now + 301_000)).toBe(false);
    expect(verifySignature(SECRET, String(ts), webhookSignature(SECRET, ts, body), '{"action":"revoke"}', now)).toBe(false);
  });

  test('a receiver can hand the requester its own instructions and a one-time credential', async () => {
    const grant = spec('carol', { credential: true });
    const access = await provider().grant(grant);
    expect(access).toEqual({
      lines: ['Log in as carol', `Access ends at ${grant.expiresAt.toISOString()}.`],
      oneTimeSecret: 'token-from-the-receiver',
    });
    await provider().revoke(grant);
  });

  test('5xx answers are retried with backoff, and the grant goes through once the receiver recovers', async () => {
    failWith(503, 2);
    const grant = spec('dave');
    await provider().grant(grant);
    expect(received.map((r) => r.payload.action)).toEqual(['grant', 'grant', 'grant']);
    // Each try is a delivery of its own: the receiver, which refuses a delivery twice, takes every retry.
    expect(new Set(received.map((r) => r.payload.deliveryId)).size).toBe(3);
    expect(await provider().check(grant)).toBe(true);
    await provider().revoke(grant);
  });

  test('a receiver that keeps failing is a transient provider error, named without the query string or the secret', async () => {
    failWith(500, 3);
    const failure = provider().grant(spec('erin'));
    await expect(failure).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
      message: expect.stringContaining('failed the grant 3 times: HTTP 500'),
    });
    await expect(failure).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/in-the-query|webhook-test-secret/) }),
    );
  });

  test("a 4xx answer is a permanent refusal, with the receiver's reason, and is not retried", async () => {
    failWith(403);
    await expect(provider().grant(spec('frank'))).rejects.toMatchObject({
      code: 'TARGET_REJECTED',
      message: expect.stringContaining('HTTP 403 (forced 403)'),
    });
    expect(received).toHaveLength(1);
  });

  test('a wrong shared secret is refused by the receiver, for good', async () => {
    await expect(provider({ secretEnv: 'WRONG_SECRET' }).grant(spec('gina'))).rejects.toMatchObject({
      code: 'TARGET_REJECTED',
      message: expect.stringContaining('HTTP 401'),
    });
    expect(grants.grants.size).toBe(0);
  });

  test('an unreachable receiver is a transient provider error; validateConfig pings the receiver', async () => {
    const closed = {
      url: `http://127.0.0.1:${await closedPort()}/hook`,
      allowInsecure: true,
      secretEnv: 'PROVIDER_TEST_WEBHOOK_SECRET',
      retries: 0,
    };
    await expect(webhookProvider.create(closed, env).check(spec('hank'))).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    await expect(webhookProvider.validateConfig(closed, env)).rejects.toThrow(/ECONNREFUSED/);
    await expect(
      webhookProvider.validateConfig({ url, allowInsecure: true, secretEnv: 'PROVIDER_TEST_WEBHOOK_SECRET' }, env),
    ).resolves.toBeUndefined();
    expect(received.at(-1)!.payload).toEqual({ version: 1, action: 'ping', deliveryId: expect.any(String) });
  });

  test('a grant captured on the way and replayed after the revoke is refused by the receiver, and grants nothing', async () => {
    const webhook = provider();
    const grant = spec('ivan');
    await webhook.grant(grant);
    const captured = received.find((r) => r.payload.action === 'grant')!;
    await webhook.revoke(grant);

    const replay = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-prod-access-timestamp': String(captured.headers['x-prod-access-timestamp']),
        'x-prod-access-signature': String(captured.headers['x-prod-access-signature']),
      },
      body: captured.body,
    });
    expect(replay.status).toBe(409);
    expect(await replay.json()).toEqual({ error: 'delivery already received' });
    expect(await webhook.check(grant)).toBe(false);
  });

  test('a body without a delivery id is refused, however well signed', async () => {
    const body = JSON.stringify({ version: 1, action: 'ping' });
    const timestamp = Math.floor(Date.now() / 1000);
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'x-prod-access-timestamp': String(timestamp), 'x-prod-access-signature': webhookSignature(SECRET, timestamp, body) },
      body,
    });
    expect(answer.status).toBe(400);
  });

  test.each([
    ['http://flags.example.com/hook', false, /must be https:\/\//],
    ['http://flags.example.com/hook', true, /only to this machine/],
    ['http://127.0.0.1:8080/hook', false, /must be https:\/\//],
    ['http://127.0.0.1:8080/hook', true, null],
    ['http://localhost:8080/hook', true, null],
    ['http://[::1]:8080/hook', true, null],
    ['https://flags.example.com/hook', false, null],
  ])('the URL %s with allowInsecure %s: %s', (hookUrl, allowInsecure, refusal) => {
    const parsed = webhookProvider.settingsSchema.safeParse({ url: hookUrl, secretEnv: 'X', ...(allowInsecure && { allowInsecure }) });
    if (refusal === null) return expect(parsed.success).toBe(true);
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ path: ['url'], message: expect.stringMatching(refusal) })]);
  });
});
