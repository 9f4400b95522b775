import { webApi } from '@slack/bolt';
import { readManifest } from '../../../../devkit/slack-standin/method-rules';
import { CHANNEL_BURST } from '../../../../devkit/slack-standin/rate-limits';
import { RESPONSE_URL_USES, type SlackStandin, startSlackStandin, type StandinOptions } from '../../../../devkit/slack-standin/server';
import { webClientFor } from './support';

const TOKEN = 'xoxb-test';
const NO_RETRIES = { retryConfig: { retries: 0 } };
const ALICE = { id: 'U1ALICE', name: 'alice', email: 'alice@example.com' };
const modal: webApi.ModalView = { type: 'modal', title: { type: 'plain_text', text: 'Deny' }, blocks: [] };
const home: webApi.HomeView = { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Hi' } }] };

/** A clock the test moves by hand, so lifetimes and rate limits are checked without waiting. */
function manualClock() {
  let now = 1_800_000_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function platformError(error: string, extra: Record<string, unknown> = {}) {
  return expect.objectContaining({
    code: webApi.ErrorCode.PlatformError,
    data: expect.objectContaining({ ok: false, error, ...extra }),
  });
}

describe('the Slack stand-in is as strict as Slack', () => {
  const standins: SlackStandin[] = [];
  const clock = manualClock();

  async function standin(options: StandinOptions = {}): Promise<{ standin: SlackStandin; client: webApi.WebClient }> {
    const started = await startSlackStandin({ botToken: TOKEN, users: [ALICE], now: clock.now, ...options });
    standins.push(started);
    return { standin: started, client: webClientFor(started, TOKEN, NO_RETRIES) };
  }

  afterAll(() => Promise.all(standins.map((s) => s.close())));

  describe('scopes', () => {
    const manifest = readManifest();
    const without = (...scopes: string[]) => ({ ...manifest, botScopes: manifest.botScopes.filter((s) => !scopes.includes(s)) });

    it('grants the scopes slack-app-manifest.yaml asks for, and only those', async () => {
      const { client } = await standin({ manifest: without('users.profile:read') });

      await expect(client.users.profile.get({ user: ALICE.id })).rejects.toThrow(
        platformError('missing_scope', { needed: 'users.profile:read', provided: without('users.profile:read').botScopes.join(',') }),
      );
      await expect(client.users.info({ user: ALICE.id })).resolves.toMatchObject({ ok: true });
    });

    it('lets the app call every method it calls with the manifest as it is', async () => {
      const { client } = await standin();

      await expect(client.users.profile.get({ user: ALICE.id })).resolves.toMatchObject({ ok: true });
      await expect(client.usergroups.users.list({ usergroup: 'S1' })).rejects.toThrow(platformError('no_such_subteam'));
      await expect(client.conversations.open({ users: ALICE.id })).resolves.toMatchObject({ ok: true });
    });

    it('asks im:write for a DM and mpim:write for a group DM', async () => {
      const { client } = await standin({ manifest: without('im:write') });

      await expect(client.conversations.open({ users: ALICE.id })).rejects.toThrow(platformError('missing_scope', { needed: 'im:write' }));
      await expect(client.conversations.open({ users: `${ALICE.id},U2BOB` })).rejects.toThrow(
        platformError('missing_scope', { needed: 'mpim:write' }),
      );
    });

    it('answers chat.postMessage without chat:write with missing_scope', async () => {
      const { client } = await standin({ manifest: without('chat:write') });

      await expect(client.chat.postMessage({ channel: 'C1OPS', text: 'hi' })).rejects.toThrow(
        platformError('missing_scope', { needed: 'chat:write' }),
      );
    });

    it('shows the email only with users:read.email', async () => {
      const withEmail = (await standin()).client;
      const withoutEmail = (await standin({ manifest: without('users:read.email') })).client;

      expect((await withEmail.users.profile.get({ user: ALICE.id })).profile?.email).toBe(ALICE.email);
      expect((await withEmail.users.info({ user: ALICE.id })).user?.profile?.email).toBe(ALICE.email);
      expect((await withoutEmail.users.profile.get({ user: ALICE.id })).profile).not.toHaveProperty('email');
      expect((await withoutEmail.users.info({ user: ALICE.id })).user?.profile).not.toHaveProperty('email');
    });
  });

  describe('rate limits', () => {
    async function rawCall(s: SlackStandin, method: string, args: Record<string, string>, token = TOKEN) {
      const response = await fetch(`${s.apiUrl}${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(args),
      });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as unknown };
    }

    it('lets a Tier 2 method burst a minute of calls, then answers 429 with Retry-After until the bucket refills', async () => {
      const { standin: s } = await standin({ usergroups: [{ id: 'S1', handle: 'oncall', users: [] }] });
      const args = { usergroup: 'S1' };

      for (let i = 0; i < 20; i += 1) expect((await rawCall(s, 'usergroups.users.list', args)).status).toBe(200);
      const limited = await rawCall(s, 'usergroups.users.list', args);

      expect(limited).toEqual({ status: 429, retryAfter: '3', body: { ok: false, error: 'ratelimited' } });
      clock.advance(3000);
      expect((await rawCall(s, 'usergroups.users.list', args)).status).toBe(200);
      expect((await rawCall(s, 'usergroups.users.list', args)).status).toBe(429);
    });

    it('counts each method and each token on its own', async () => {
      const { standin: s } = await standin({ botToken: undefined });
      for (let i = 0; i < 20; i += 1) await rawCall(s, 'usergroups.users.list', { usergroup: 'S1' });

      expect((await rawCall(s, 'usergroups.users.list', { usergroup: 'S1' })).status).toBe(429);
      expect((await rawCall(s, 'usergroups.users.list', { usergroup: 'S1' }, 'xoxb-other-workspace')).status).toBe(200);
      expect((await rawCall(s, 'users.info', { user: ALICE.id })).status).toBe(200);
    });

    it('paces chat.postMessage at about one message a second per channel, after a short burst', async () => {
      const { standin: s } = await standin();

      for (let i = 0; i < CHANNEL_BURST; i += 1)
        expect((await rawCall(s, 'chat.postMessage', { channel: 'C1OPS', text: `${i}` })).status).toBe(200);
      const limited = await rawCall(s, 'chat.postMessage', { channel: 'C1OPS', text: 'one too many' });
      const otherChannel = await rawCall(s, 'chat.postMessage', { channel: 'C2AUDIT', text: 'elsewhere' });

      expect(limited).toMatchObject({ status: 429, retryAfter: '1' });
      expect(otherChannel.status).toBe(200);
      expect(s.messages('C1OPS').map((m) => m.text)).toEqual(['0', '1', '2', '3', '4']);
      clock.advance(1000);
      expect((await rawCall(s, 'chat.postMessage', { channel: 'C1OPS', text: 'a second later' })).status).toBe(200);
      expect((await rawCall(s, 'chat.postMessage', { channel: 'C1OPS', text: 'too soon' })).status).toBe(429);
    });

    it('is honoured by WebClient, which waits Retry-After and tries again', async () => {
      const { standin: s } = await standin();
      const client = webClientFor(s, TOKEN, { retryConfig: { retries: 1, minTimeout: 0 } });
      const retryAfters: number[] = [];
      // The stand-in's clock moves by the wait WebClient was told, so its retry finds the bucket refilled.
      client.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number) => {
        retryAfters.push(seconds);
        clock.advance(seconds * 1000);
      });
      for (let i = 0; i < CHANNEL_BURST; i += 1) await client.chat.postMessage({ channel: 'C1OPS', text: `${i}` });

      await expect(client.chat.postMessage({ channel: 'C1OPS', text: 'after the wait' })).resolves.toMatchObject({ ok: true });

      const attempts = s.callsTo('chat.postMessage').slice(CHANNEL_BURST);
      expect(retryAfters).toEqual([1]);
      expect(attempts.map((call) => call.status)).toEqual([429, 200]);
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1000);
    });
  });

  describe('trigger_id', () => {
    it('opens one view per trigger, and refuses triggers Slack did not issue', async () => {
      const { standin: s, client } = await standin();
      const trigger = s.triggerFor(ALICE.id);

      await expect(client.views.open({ trigger_id: trigger, view: modal })).resolves.toMatchObject({ ok: true });
      await expect(client.views.open({ trigger_id: trigger, view: modal })).rejects.toThrow(platformError('exchanged_trigger_id'));
      await expect(client.views.push({ trigger_id: trigger, view: modal })).rejects.toThrow(platformError('exchanged_trigger_id'));
      await expect(client.views.open({ trigger_id: '12345.98765.abcd2358fdea', view: modal })).rejects.toThrow(
        platformError('invalid_trigger_id'),
      );
    });

    it('takes a trigger for 3 seconds after the interaction, not longer', async () => {
      const { standin: s, client } = await standin();
      const inTime = s.triggerFor(ALICE.id);
      const late = s.triggerFor(ALICE.id);

      clock.advance(3000);
      await expect(client.views.open({ trigger_id: inTime, view: modal })).resolves.toMatchObject({ ok: true });
      clock.advance(1);
      await expect(client.views.open({ trigger_id: late, view: modal })).rejects.toThrow(platformError('expired_trigger_id'));
    });
  });

  describe('response_url', () => {
    const post = (url: string, text: string) =>
      fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text }) });

    it(`takes ${RESPONSE_URL_USES} posts, then answers 404 used_url`, async () => {
      const { standin: s } = await standin();
      const url = s.responseUrl('slash', { user: ALICE.id, channel: 'C1OPS' });

      for (let i = 1; i <= RESPONSE_URL_USES; i += 1) expect((await post(url, `reply ${i}`)).status).toBe(200);
      const sixth = await post(url, 'one too many');

      expect(sixth.status).toBe(404);
      await expect(sixth.json()).resolves.toEqual({ ok: false, error: 'used_url' });
      expect(s.ephemeralMessages('C1OPS')).toHaveLength(RESPONSE_URL_USES);
    });

    it('expires 30 minutes after the interaction', async () => {
      const { standin: s } = await standin();
      const url = s.responseUrl('slash');

      clock.advance(30 * 60_000);
      expect((await post(url, 'just in time')).status).toBe(200);
      clock.advance(1);
      const late = await post(url, 'too late');

      expect(late.status).toBe(404);
      await expect(late.json()).resolves.toEqual({ ok: false, error: 'expired_url' });
    });

    it('refuses a URL it never issued', async () => {
      const { standin: s } = await standin();

      expect((await post(`${s.apiUrl.replace(/api\/$/, '')}response/made-up`, 'hello')).status).toBe(404);
    });
  });

  describe('auth.test', () => {
    it('is counted like any other call, so a test can assert a path never calls it', async () => {
      const { standin: s, client } = await standin();

      expect(s.callsTo('auth.test')).toHaveLength(0);
      await client.auth.test();
      await client.auth.test();

      expect(s.callsTo('auth.test')).toHaveLength(2);
      expect(s.callsTo('auth.test')[0]).toMatchObject({ status: 200, token: TOKEN, response: { ok: true, user_id: 'UBOT' } });
    });
  });

  describe('views.update and views.publish', () => {
    it('updates by view_id or external_id, checks the hash, and keeps external ids unique', async () => {
      const { standin: s, client } = await standin();
      const first = await client.views.open({ trigger_id: s.triggerFor(ALICE.id), view: { ...modal, external_id: 'first' } });
      await client.views.open({ trigger_id: s.triggerFor(ALICE.id), view: { ...modal, external_id: 'second' } });

      const updated = await client.views.update({ view_id: first.view!.id!, hash: first.view!.hash!, view: modal });
      await expect(client.views.update({ view_id: first.view!.id!, hash: first.view!.hash!, view: modal })).rejects.toThrow(
        platformError('hash_conflict'),
      );
      await expect(client.views.update({ external_id: 'first', view: { ...modal, external_id: 'second' } })).rejects.toThrow(
        platformError('duplicate_external_id'),
      );
      await expect(client.apiCall('views.update', { view: modal })).rejects.toThrow(platformError('invalid_arguments'));
      await expect(client.views.update({ view_id: 'V404', view: modal })).rejects.toThrow(platformError('not_found'));
      expect(updated.view?.id).toBe(first.view?.id);
    });

    it('publishes a Home tab only when the manifest enables it (slack-app-manifest.yaml does)', async () => {
      const disabled = (await standin({ manifest: { ...readManifest(), homeTabEnabled: false } })).client;
      const enabled = (await standin()).client;

      await expect(disabled.views.publish({ user_id: ALICE.id, view: home })).rejects.toThrow(platformError('not_enabled'));
      const published = await enabled.views.publish({ user_id: ALICE.id, view: home });
      const republished = await enabled.views.publish({ user_id: ALICE.id, view: home, hash: published.view!.hash! });
      await expect(enabled.views.publish({ user_id: ALICE.id, view: home, hash: published.view!.hash! })).rejects.toThrow(
        platformError('hash_conflict'),
      );
      await expect(enabled.views.publish({ user_id: ALICE.id, view: modal })).rejects.toThrow(platformError('invalid_arguments'));
      expect(republished.view?.id).toBe(published.view?.id);
    });

    it('publishes at most 100 blocks, and only for a user of the workspace', async () => {
      const { client } = await standin();
      const section = home.blocks[0]!;
      await client.views.publish({ user_id: ALICE.id, view: { ...home, blocks: Array.from({ length: 100 }, () => section) } });
      await expect(
        client.views.publish({ user_id: ALICE.id, view: { ...home, blocks: Array.from({ length: 101 }, () => section) } }),
      ).rejects.toThrow(platformError('invalid_arguments'));
      await expect(client.views.publish({ user_id: 'U0NOBODY', view: home })).rejects.toThrow(platformError('user_not_found'));
    });
  });

  describe('Events API: app_home_opened', () => {
    it('is delivered in an event_callback envelope, with the Home tab published for the user', async () => {
      const { standin: s, client } = await standin();
      const before = s.appHomeOpened(ALICE.id);
      expect(before).toEqual(
        expect.objectContaining({
          type: 'event_callback',
          team_id: 'T0STANDIN',
          api_app_id: 'A0STANDIN',
          event_id: expect.stringMatching(/^Ev[0-9A-Z]+$/),
          event_time: expect.any(Number),
        }),
      );
      expect(before.event).toEqual({
        type: 'app_home_opened',
        user: ALICE.id,
        channel: `D${ALICE.id}`,
        tab: 'home',
        event_ts: expect.any(String),
      });
      const published = await client.views.publish({ user_id: ALICE.id, view: home });
      expect((s.appHomeOpened(ALICE.id).event as { view?: unknown }).view).toEqual(published.view);
      // The Messages tab sends the event too, without the Home tab's view.
      expect(s.appHomeOpened(ALICE.id, 'messages').event).not.toHaveProperty('view');
    });

    it('is sent only to an app whose manifest subscribes to it', async () => {
      const { standin: s } = await standin({ manifest: { ...readManifest(), botEvents: null } });
      expect(() => s.appHomeOpened(ALICE.id)).toThrow(/does not subscribe to app_home_opened/);
    });
  });
});
