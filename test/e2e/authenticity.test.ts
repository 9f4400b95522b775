import { sendSlashCommand, signSlackRequest } from '../../devkit/slack-standin/signed-request';
import { guarantee } from '../support/guarantees';
import { type Harness, SIGNING_SECRET, useHarness } from '../support/harness';
import { sendRaw } from '../support/raw-http';

const now = () => Math.floor(Date.now() / 1000);

/** The bytes of a slash command as Slack sends them, signed once, to send to any request target. */
function signedCommand(h: Harness, text: string, timestamp = now()) {
  const body = new URLSearchParams({
    command: '/prod-access',
    text,
    user_id: h.users.dev,
    channel_id: 'C0GENERAL',
    trigger_id: `trigger-${text.replace(/\W/g, '-')}`,
    response_url: h.slack.responseUrl(`${h.users.dev}-raw-${text.replace(/\W/g, '-')}`),
  }).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, body, timestamp) };
  const port = Number(new URL(h.endpoint).port);
  return (target: string) => sendRaw(port, { method: 'POST', target, headers, body });
}

/** Only authentic, fresh, first-time Slack requests change anything. */
describe(guarantee(7), () => {
  const h = useHarness();

  const fields = (text: string) => ({
    text: `request ${h.resourceId} read-only 10m ${text}`,
    user_id: h.users.dev,
    trigger_id: `trigger-${text}`,
    response_url: h.slack.responseUrl(`${h.users.dev}-auth-${text}`),
  });
  const stored = () => h.requestsOf(h.users.dev).then((rows) => rows.length);

  test.each([
    ['a signature made with another secret', 'not-the-secret', {}],
    ['a bad signature', SIGNING_SECRET, { signature: 'v0=0000000000000000000000000000000000000000000000000000000000000000' }],
    ['a timestamp six minutes old', SIGNING_SECRET, { timestamp: now() - 360 }],
    ['a timestamp six minutes in the future', SIGNING_SECRET, { timestamp: now() + 360 }],
  ])('%s is refused with 401 and nothing is stored', async (name, secret, options) => {
    const before = await stored();
    const answer = await sendSlashCommand(h.endpoint, secret, fields(name.replace(/\s/g, '-')), options);
    expect(answer.status).toBe(401);
    expect(await stored()).toBe(before);
  });

  test('forged signatures, well-formed or not, are refused and leave nothing behind in Redis', async () => {
    const signatures = () => h.redis.keys('slack-signature:*');
    const forged = [`v0=${'z'.repeat(4000)}`, ...Array.from({ length: 300 }, (_, n) => `v0=${n.toString(16).padStart(64, '1')}`)];
    for (const signature of forged) {
      expect((await sendSlashCommand(h.endpoint, SIGNING_SECRET, fields('forged'), { signature })).status).toBe(401);
    }
    const before = (await signatures()).length;
    // An authentic request is remembered, so the key pattern counted is the one the guard writes.
    expect((await sendSlashCommand(h.endpoint, SIGNING_SECRET, { ...fields('authentic'), text: 'help' })).status).toBe(200);
    expect([before, (await signatures()).length]).toEqual([0, 1]);
  });

  test('one signature is accepted once, whatever request target it is sent to', async () => {
    const before = await stored();
    const since = h.slack.calls.length;
    const send = signedCommand(h, `request ${h.resourceId} read-only 10m one signature many targets`);
    const walkArounds = [
      '/x/../slack/events',
      '/./slack/events',
      '/slack/%2e/events',
      '/slack//../events',
      `http://127.0.0.1/slack/events`,
      '//slack/events',
    ];
    for (const target of walkArounds) expect([target, (await send(target)).status]).toEqual([target, 400]);
    expect((await send('/slack/events')).status).toBe(200);
    expect((await send('/slack/events?again=1')).status).toBe(401);
    await h.reply(h.users.dev, since);
    expect(await stored()).toBe(before + 1);
  });

  test('a timestamp a year ahead is refused on every request target', async () => {
    const before = await stored();
    const send = signedCommand(h, `request ${h.resourceId} read-only 10m from the future`, now() + 365 * 24 * 3600);
    for (const target of ['/slack/events', '/./slack/events', 'http://127.0.0.1/slack/events']) {
      expect([target, (await send(target)).status]).toEqual([target, target === '/slack/events' ? 401 : 400]);
    }
    expect(await stored()).toBe(before);
  });

  test('a request with no signature at all is refused', async () => {
    const answer = await fetch(h.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ command: '/prod-access', text: 'help', user_id: h.users.dev }).toString(),
    });
    expect(answer.status).toBe(401);
  });

  test('a replayed signed request changes nothing the first did not', async () => {
    const before = await stored();
    const since = h.slack.calls.length;
    const timestamp = now();
    const first = await sendSlashCommand(h.endpoint, SIGNING_SECRET, fields('replay'), { timestamp });
    const replay = await sendSlashCommand(h.endpoint, SIGNING_SECRET, fields('replay'), { timestamp });
    expect([first.status, replay.status]).toEqual([200, 401]);
    await h.reply(h.users.dev, since);
    expect(await stored()).toBe(before + 1);
  });
});

/** Redis down: the replay check falls back to this process's memory instead of letting requests through. */
describe(`${guarantee(7)}, while Redis is down`, () => {
  const h = useHarness({ role: 'web', proxyDependencies: true });

  test('a replayed signed request is refused', async () => {
    h.redisProxy!.setMode('down');
    try {
      const send = signedCommand(h, 'help');
      expect((await send('/slack/events')).status).toBe(200);
      expect((await send('/slack/events')).status).toBe(401);
    } finally {
      h.redisProxy!.setMode('up');
    }
  });
});
