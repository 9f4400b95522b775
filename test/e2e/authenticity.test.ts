import { Redis } from 'ioredis';
import { sendSlashCommand } from '../../src/slack-standin/signed-request';
import { Harness, SIGNING_SECRET } from '../support/harness';

/** Only authentic, fresh, first-time Slack requests change anything. */
describe('Slack requests are authentic', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start();
  });

  afterAll(async () => {
    await h.stop();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const fields = (text: string) => ({
    text: `request ${h.resourceId} read-only 10m ${text}`,
    user_id: h.users.dev,
    trigger_id: `trigger-${text}`,
    response_url: h.slack.responseUrl(`${h.users.dev}-auth-${text}`),
  });
  const stored = () => h.requestsOf(h.users.dev).then((rows) => rows.length);

  test.each([
    ['a bad signature', { signature: 'v0=0000000000000000000000000000000000000000000000000000000000000000' }],
    ['a timestamp six minutes old', { timestamp: now() - 360 }],
    ['a timestamp six minutes in the future', { timestamp: now() + 360 }],
  ])('%s is refused with 401 and nothing is stored', async (_name, options) => {
    const before = await stored();
    const answer = await sendSlashCommand(h.endpoint, SIGNING_SECRET, fields(_name.replace(/\s/g, '-')), options);
    expect(answer.status).toBe(401);
    expect(await stored()).toBe(before);
  });

  test('a malformed signature is refused and leaves nothing behind in Redis', async () => {
    const junk = `v0=${'z'.repeat(4000)}`;
    const wellFormed = `v0=${'1'.repeat(64)}`;
    for (const signature of [junk, wellFormed]) {
      expect((await sendSlashCommand(h.endpoint, SIGNING_SECRET, fields('junk'), { signature })).status).toBe(401);
    }
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      // The well-formed one is remembered, so the key pattern is the one the guard writes.
      expect(await redis.exists(`${h.redisPrefix}:slack-signature:${wellFormed}`)).toBe(1);
      expect(await redis.exists(`${h.redisPrefix}:slack-signature:${junk}`)).toBe(0);
    } finally {
      redis.disconnect();
    }
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
    const timestamp = now();
    const first = await sendSlashCommand(h.endpoint, SIGNING_SECRET, fields('replay'), { timestamp });
    const replay = await sendSlashCommand(h.endpoint, SIGNING_SECRET, fields('replay'), { timestamp });
    expect([first.status, replay.status]).toEqual([200, 401]);
    await h.reply(h.users.dev);
    expect(await stored()).toBe(before + 1);
  });
});
