import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import {
  blockActionsPayload,
  eventCallbackPayload,
  sendEvent,
  sendInteraction,
  sendSlashCommand,
  signSlackRequest,
  viewSubmissionPayload,
} from '../../../../devkit/slack-standin/signed-request';

const SECRET = 'test-signing-secret';

interface Captured {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An endpoint that records what it receives and answers with `reply`. */
async function startCapture(reply = ''): Promise<{ url: string; received: Captured[]; server: Server }> {
  const received: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/slack/events`, received, server };
}

function boltAccepts(captured: Captured, secret = SECRET): boolean {
  try {
    verifySlackRequest({
      signingSecret: secret,
      body: captured.body,
      headers: {
        'x-slack-signature': String(captured.headers['x-slack-signature']),
        'x-slack-request-timestamp': Number(captured.headers['x-slack-request-timestamp']),
      },
    });
    return true;
  } catch {
    return false;
  }
}

describe('signSlackRequest', () => {
  it("reproduces the example from Slack's request-signing docs", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
      '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

    expect(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)).toEqual({
      'X-Slack-Request-Timestamp': '1531420618',
      'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    });
  });
});

describe('signed requests to an app endpoint', () => {
  let capture: Awaited<ReturnType<typeof startCapture>>;

  beforeEach(async () => {
    capture = await startCapture('{"response_action":"errors","errors":{"reason":"Too short"}}');
  });

  afterEach(async () => {
    capture.server.closeAllConnections();
    await new Promise((resolve) => capture.server.close(resolve));
  });

  it('sends a slash command as a form Slack would send, signed so Bolt accepts it', async () => {
    const reply = await sendSlashCommand(capture.url, SECRET, {
      text: 'prod-db 1h incident',
      user_id: 'U1ALICE',
      response_url: 'http://127.0.0.1:1/response/r1',
    });

    const [request] = capture.received;
    expect(reply.status).toBe(200);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      token: expect.any(String),
      team_id: 'T0STANDIN',
      team_domain: 'standin',
      channel_id: 'C0GENERAL',
      channel_name: 'general',
      user_id: 'U1ALICE',
      user_name: 'U1ALICE',
      command: '/prod-access',
      text: 'prod-db 1h incident',
      api_app_id: 'A0STANDIN',
      is_enterprise_install: 'false',
      response_url: 'http://127.0.0.1:1/response/r1',
      trigger_id: expect.stringMatching(/^\d+\.\d+\.[0-9a-f]+$/),
    });
    expect(request && boltAccepts(request)).toBe(true);
    expect(request && boltAccepts(request, 'another-secret')).toBe(false);
  });

  it('lets a test send a stale timestamp or a forged signature', async () => {
    await sendSlashCommand(capture.url, SECRET, { text: '', user_id: 'U1', response_url: 'x' }, { timestamp: 1_000_000_000 });
    await sendSlashCommand(capture.url, SECRET, { text: '', user_id: 'U1', response_url: 'x' }, { signature: 'v0=forged' });

    const [stale, forged] = capture.received;
    expect(stale?.headers['x-slack-request-timestamp']).toBe('1000000000');
    expect(forged?.headers['x-slack-signature']).toBe('v0=forged');
    expect(forged && boltAccepts(forged)).toBe(false);
  });

  it('sends an Events API delivery as signed JSON', async () => {
    const envelope = eventCallbackPayload({ type: 'app_home_opened', user: 'U1ALICE', channel: 'DU1ALICE', tab: 'home' });
    expect((await sendEvent(capture.url, SECRET, envelope)).status).toBe(200);
    const [request] = capture.received;
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual(envelope);
    expect(boltAccepts(request!)).toBe(true);
  });

  it('sends an interaction as a signed payload form field and returns the parsed JSON reply', async () => {
    const payload = viewSubmissionPayload({ user: 'U1ALICE', callbackId: 'request_access', values: {} });

    const reply = await sendInteraction(capture.url, SECRET, payload);

    const [request] = capture.received;
    expect(JSON.parse(new URLSearchParams(request?.body).get('payload') ?? '')).toEqual(payload);
    expect(request && boltAccepts(request)).toBe(true);
    expect(reply.json).toEqual({ response_action: 'errors', errors: { reason: 'Too short' } });
  });
});

describe('payload builders', () => {
  it('builds a block_actions payload for a button in a message', () => {
    const payload = blockActionsPayload({
      user: { id: 'U1BOB', name: 'bob' },
      actionId: 'approve',
      value: 'req-1',
      blockId: 'decision',
      channel: 'C1OPS',
      messageTs: '1700000000.000100',
      responseUrl: 'http://127.0.0.1:1/response/r1',
    });

    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U1BOB', username: 'bob', name: 'bob', team_id: 'T0STANDIN' },
      api_app_id: 'A0STANDIN',
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C1OPS', is_ephemeral: false },
      trigger_id: expect.any(String),
      team: { id: 'T0STANDIN' },
      channel: { id: 'C1OPS' },
      message: { ts: '1700000000.000100' },
      response_url: 'http://127.0.0.1:1/response/r1',
      actions: [{ action_id: 'approve', block_id: 'decision', value: 'req-1', type: 'button', action_ts: expect.any(String) }],
    });
  });

  it('builds a view_submission payload carrying the state values', () => {
    const values = { reason: { reason: { type: 'plain_text_input', value: 'incident 42' } } };

    const payload = viewSubmissionPayload({
      user: 'U1ALICE',
      callbackId: 'request_access',
      privateMetadata: '{"system":"prod-db"}',
      values,
      viewId: 'V00000001',
    });

    expect(payload).toMatchObject({
      type: 'view_submission',
      user: { id: 'U1ALICE' },
      trigger_id: expect.any(String),
      view: {
        id: 'V00000001',
        type: 'modal',
        callback_id: 'request_access',
        private_metadata: '{"system":"prod-db"}',
        state: { values },
      },
    });
  });
});
