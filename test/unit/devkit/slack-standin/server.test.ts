import { webApi } from '@slack/bolt';
import { type SlackStandin, startSlackStandin } from '../../../../devkit/slack-standin/server';
import { webClientFor } from './support';

const TOKEN = 'xoxb-test';
const NO_RETRIES = { retryConfig: { retries: 0 } };

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const plain = (text: string) => ({ type: 'plain_text', text });
const modal = (title = 'Request access') => ({
  type: 'modal' as const,
  callback_id: 'request_access',
  title: { type: 'plain_text' as const, text: title },
  submit: { type: 'plain_text' as const, text: 'Request' },
  blocks: [section('Which system?')],
});

function platformError(error: string) {
  return expect.objectContaining({
    code: webApi.ErrorCode.PlatformError,
    data: expect.objectContaining({ ok: false, error }),
  });
}

describe('Slack stand-in with the real WebClient', () => {
  let standin: SlackStandin;
  let client: webApi.WebClient;

  beforeAll(async () => {
    standin = await startSlackStandin({
      botToken: TOKEN,
      users: [
        { id: 'U1ALICE', name: 'alice', realName: 'Alice Doe', email: 'alice@example.com' },
        { id: 'U1KIRAN', name: 'kiran', email: 'kiran@example.com', timeZone: 'Asia/Kolkata' },
      ],
      channels: [{ id: 'C1OPS', name: 'ops' }],
      usergroups: [{ id: 'S1ONCALL', handle: 'oncall', users: ['U1ALICE'] }],
    });
    client = webClientFor(standin, TOKEN, NO_RETRIES);
  });

  afterEach(() => standin.reset());
  afterAll(() => standin.close());

  it('answers auth.test as the bot user', async () => {
    const result = await client.auth.test();

    expect(result).toMatchObject({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0STANDIN' });
    expect(result.url).toBe(`http://127.0.0.1:${standin.port}/`);
  });

  it('updates a posted message in place', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1OPS', text: 'Pending', blocks: [section('Pending')] });
    const updated = await client.chat.update({
      channel: 'C1OPS',
      ts: posted.ts ?? '',
      text: 'Approved',
      blocks: [section('Approved')],
    });

    expect(posted).toMatchObject({ ok: true, channel: 'C1OPS', message: { text: 'Pending' } });
    expect(updated).toMatchObject({ ok: true, channel: 'C1OPS', ts: posted.ts, text: 'Approved' });
    expect(standin.messages('C1OPS')).toEqual([
      expect.objectContaining({ ts: posted.ts, text: 'Approved', blocks: [section('Approved')] }),
    ]);
  });

  it('keeps the recorded response of a call as it was sent, even after a later update', async () => {
    await client.chat.postMessage({ channel: 'C1OPS', text: 'Pending' });
    const [call] = standin.callsTo('chat.postMessage');
    await client.chat.update({ channel: 'C1OPS', ts: String(call?.response.ts), text: 'Approved' });

    expect(call?.response.message).toMatchObject({ text: 'Pending' });
  });

  it('gives messages unique, increasing Slack-shaped timestamps', async () => {
    const first = await client.chat.postMessage({ channel: 'C1OPS', text: 'one' });
    const second = await client.chat.postMessage({ channel: 'C1OPS', text: 'two' });

    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
  });

  it('records parsed arguments with JSON-valued fields decoded and the token kept apart', async () => {
    await client.chat.postMessage({ channel: 'C1OPS', text: 'hi', blocks: [section('hi')] });

    expect(standin.calls).toEqual([
      expect.objectContaining({
        kind: 'api',
        method: 'chat.postMessage',
        args: { channel: 'C1OPS', text: 'hi', blocks: [section('hi')] },
        token: TOKEN,
        status: 200,
      }),
    ]);
  });

  it('opens a DM when posting to a user id, with the same id conversations.open returns', async () => {
    const posted = await client.chat.postMessage({ channel: 'U1ALICE', text: 'Your access was granted' });
    const opened = await client.conversations.open({ users: 'U1ALICE' });

    expect(posted.channel).toMatch(/^D/);
    expect(opened.channel?.id).toBe(posted.channel);
    expect(standin.messages('U1ALICE')).toHaveLength(1);
  });

  it.each([
    ['an unknown channel', { channel: 'C9NOPE', text: 'hi' }, 'channel_not_found'],
    ['neither text nor blocks', { channel: 'C1OPS' }, 'no_text'],
    ['invalid blocks', { channel: 'C1OPS', text: 'hi', blocks: [section('x'.repeat(3001))] }, 'invalid_blocks'],
  ])('rejects chat.postMessage with %s', async (_case, args, error) => {
    await expect(client.apiCall('chat.postMessage', args)).rejects.toEqual(platformError(error));
    expect(standin.messages('C1OPS')).toEqual([]);
  });

  it('cuts text over 40,000 characters and posts the rest with a warning, like Slack', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1OPS', text: `${'x'.repeat(40_000)}lost` });

    expect(posted.response_metadata?.warnings).toEqual(['message_truncated']);
    expect(standin.messages('C1OPS').map((m) => m.text)).toEqual(['x'.repeat(40_000)]);
  });

  it('explains invalid blocks in response_metadata, like Slack', async () => {
    await expect(client.chat.postMessage({ channel: 'C1OPS', text: 'hi', blocks: [{ type: 'sektion' }] })).rejects.toMatchObject({
      data: { response_metadata: { messages: [expect.stringContaining('[json-pointer:/blocks/0/type]')] } },
    });
  });

  it('refuses to update a message that does not exist', async () => {
    await expect(client.chat.update({ channel: 'C1OPS', ts: '1.000001', text: 'x' })).rejects.toEqual(platformError('message_not_found'));
  });

  it('posts ephemeral messages and returns their message_ts', async () => {
    const result = await client.chat.postEphemeral({
      channel: 'C1OPS',
      user: 'U1ALICE',
      text: 'Only you can see this',
    });

    expect(result.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(standin.ephemeralMessages('C1OPS')).toEqual([
      expect.objectContaining({ user: 'U1ALICE', text: 'Only you can see this', message_ts: result.message_ts }),
    ]);
    expect(standin.messages('C1OPS')).toEqual([]);
  });

  it('builds permalinks that point back at the stand-in', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1OPS', text: 'hi' });
    const result = await client.chat.getPermalink({ channel: 'C1OPS', message_ts: posted.ts ?? '' });

    expect(result.permalink).toBe(`http://127.0.0.1:${standin.port}/archives/C1OPS/p${posted.ts?.replace('.', '')}`);
  });

  it('looks up configured users and usergroups', async () => {
    const user = await client.users.info({ user: 'U1ALICE' });
    const members = await client.usergroups.users.list({ usergroup: 'S1ONCALL' });

    expect(user.user).toMatchObject({
      id: 'U1ALICE',
      name: 'alice',
      real_name: 'Alice Doe',
      profile: { email: 'alice@example.com', display_name: 'alice', real_name: 'Alice Doe' },
    });
    expect(members.users).toEqual(['U1ALICE']);
    // Slack's tz and tz_offset (seconds east of UTC): UTC unless the user has a zone of their own.
    expect(user.user).toMatchObject({ tz: 'UTC', tz_offset: 0 });
    expect((await client.users.info({ user: 'U1KIRAN' })).user).toMatchObject({ tz: 'Asia/Kolkata', tz_offset: 19_800 });
    await expect(client.users.info({ user: 'U9NOBODY' })).rejects.toEqual(platformError('user_not_found'));
    await expect(client.usergroups.users.list({ usergroup: 'S9NOPE' })).rejects.toEqual(platformError('no_such_subteam'));
  });

  it('opens a view and echoes it with a generated id', async () => {
    const result = await client.views.open({ trigger_id: standin.triggerFor('U1ALICE'), view: modal() });

    expect(result.view).toMatchObject({
      id: expect.stringMatching(/^V/),
      type: 'modal',
      callback_id: 'request_access',
      root_view_id: result.view?.id,
    });
    expect(standin.views()).toEqual([result.view]);
  });

  it('updates a view by view_id or by external_id', async () => {
    const opened = await client.views.open({ trigger_id: standin.triggerFor('U1ALICE'), view: { ...modal(), external_id: 'req-1' } });
    await client.views.update({ view_id: opened.view?.id ?? '', view: modal('Step 2') });
    const byExternalId = await client.views.update({ external_id: 'req-1', view: modal('Step 3') });

    expect(byExternalId.view).toMatchObject({ id: opened.view?.id, title: plain('Step 3') });
    expect(standin.views()).toHaveLength(1);
    await expect(client.views.update({ view_id: 'V9NOPE', view: modal() })).rejects.toEqual(platformError('not_found'));
  });

  it('pushes a view', async () => {
    const result = await client.views.push({ trigger_id: standin.triggerFor('U1ALICE'), view: modal('Confirm') });

    expect(result.view).toMatchObject({ title: plain('Confirm') });
  });

  it.each([
    ['without a trigger_id', { view: modal() }],
    ['with a title over 24 characters', { trigger_id: '1.2.3', view: modal('x'.repeat(25)) }],
  ])('rejects views.open %s as invalid_arguments', async (_case, args) => {
    await expect(client.apiCall('views.open', args)).rejects.toEqual(platformError('invalid_arguments'));
  });

  it('answers an unknown method with unknown_method and HTTP 200, like Slack', async () => {
    await expect(client.apiCall('chat.postMessagee', { channel: 'C1OPS' })).rejects.toEqual(platformError('unknown_method'));
    expect(standin.calls[0]).toMatchObject({ status: 200 });
  });

  it('rejects a wrong token with invalid_auth and a missing one with not_authed', async () => {
    await expect(webClientFor(standin, 'xoxb-wrong', NO_RETRIES).auth.test()).rejects.toEqual(platformError('invalid_auth'));
    await expect(webClientFor(standin, undefined, NO_RETRIES).auth.test()).rejects.toEqual(platformError('not_authed'));
  });

  it('accepts JSON bodies with a bearer token but, like Slack, ignores a token inside the JSON', async () => {
    const post = (headers: Record<string, string>, body: object) =>
      fetch(`${standin.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }).then((response) => response.json());

    expect(await post({ Authorization: `Bearer ${TOKEN}` }, { channel: 'C1OPS', text: 'hi' })).toMatchObject({
      ok: true,
    });
    expect(await post({}, { token: TOKEN, channel: 'C1OPS', text: 'hi' })).toEqual({ ok: false, error: 'not_authed' });
  });

  describe('fault injection', () => {
    it('answers with 429 and Retry-After, which WebClient waits out and retries, posting once', async () => {
      standin.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
      const retryingClient = webClientFor(standin, TOKEN);

      const result = await retryingClient.chat.postMessage({ channel: 'C1OPS', text: 'hi' });

      expect(result.ok).toBe(true);
      expect(standin.messages('C1OPS')).toHaveLength(1);
      const [limited, accepted] = standin.callsTo('chat.postMessage');
      expect(limited).toMatchObject({
        status: 429,
        fault: { status: 429 },
        response: { ok: false, error: 'ratelimited' },
      });
      expect(accepted).toMatchObject({ status: 200, response: { ok: true } });
      expect(accepted?.fault).toBeUndefined();
    });

    it('answers with HTTP 500', async () => {
      standin.failNext('chat.postMessage', { status: 500 });

      await expect(client.chat.postMessage({ channel: 'C1OPS', text: 'hi' })).rejects.toMatchObject({
        code: webApi.ErrorCode.HTTPError,
        statusCode: 500,
      });
    });

    it('answers the next N calls with a Slack error, then behaves again', async () => {
      standin.failNext('chat.postMessage', { error: 'channel_is_archived' }, 2);
      const post = () => client.chat.postMessage({ channel: 'C1OPS', text: 'hi' });

      await expect(post()).rejects.toEqual(platformError('channel_is_archived'));
      await expect(post()).rejects.toEqual(platformError('channel_is_archived'));
      await expect(post()).resolves.toMatchObject({ ok: true });
      expect(standin.messages('C1OPS')).toHaveLength(1);
    });
  });

  describe('waitFor', () => {
    it('resolves with a call that has already arrived', async () => {
      await client.auth.test();

      await expect(standin.waitFor('auth.test')).resolves.toMatchObject({ method: 'auth.test' });
    });

    it('waits for a call that arrives later', async () => {
      const waiting = standin.waitFor((call) => call.kind === 'api' && call.args.text === 'later');
      await client.chat.postMessage({ channel: 'C1OPS', text: 'sooner' });
      await client.chat.postMessage({ channel: 'C1OPS', text: 'later' });

      await expect(waiting).resolves.toMatchObject({ args: { text: 'later' } });
    });

    it('ignores calls before the since index', async () => {
      await client.auth.test();
      const since = standin.calls.length;
      const waiting = standin.waitFor('auth.test', 5000, since);
      await client.auth.test();

      expect(standin.calls.indexOf(await waiting)).toBe(since);
    });

    it('rejects after the timeout, naming the calls it saw', async () => {
      await client.auth.test();

      await expect(standin.waitFor('views.open', 50)).rejects.toThrow('calls so far: auth.test');
    });
  });

  it('records POSTs to a response_url', async () => {
    const url = standin.responseUrl('slash-1');
    await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'Working on it' }),
    });

    expect(standin.calls).toEqual([expect.objectContaining({ kind: 'response', url, name: 'slash-1', body: { text: 'Working on it' } })]);
  });

  describe('for a client that draws the workspace', () => {
    const postJson = (url: string, body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

    it('shows a response_url reply only to its user by default, and to the channel when asked', async () => {
      const audience = { user: 'U1ALICE', channel: 'C1OPS' };
      await postJson(standin.responseUrl('only-alice', audience), { text: 'Only you see this' });
      await postJson(standin.responseUrl('everyone', audience), { text: 'Everyone sees this', response_type: 'in_channel' });

      expect(standin.ephemeralMessages('C1OPS')).toEqual([expect.objectContaining({ user: 'U1ALICE', text: 'Only you see this' })]);
      expect(standin.messages('C1OPS')).toEqual([expect.objectContaining({ text: 'Everyone sees this', user: 'UBOT' })]);
      const refused = await postJson(standin.responseUrl('empty', audience), { text: '' });
      await expect(refused.json()).resolves.toEqual({ ok: false, error: 'no_text' });
    });

    it('lists changes in order, each message as it was then', async () => {
      const posted = await client.chat.postMessage({ channel: 'C1OPS', text: 'Pending' });
      await client.chat.update({ channel: 'C1OPS', ts: posted.ts!, text: 'Approved' });
      await client.chat.postEphemeral({ channel: 'C1OPS', user: 'U1ALICE', text: 'Just you' });

      const changes = await standin.changes(0);
      expect(changes).toEqual([
        expect.objectContaining({
          kind: 'message',
          channel: 'C1OPS',
          message: expect.objectContaining({ ts: posted.ts, text: 'Pending' }),
        }),
        expect.objectContaining({
          kind: 'message',
          channel: 'C1OPS',
          message: expect.objectContaining({ ts: posted.ts, text: 'Approved' }),
        }),
        expect.objectContaining({ kind: 'ephemeral', message: expect.objectContaining({ user: 'U1ALICE', text: 'Just you' }) }),
      ]);
      const seqs = changes.map((change) => change.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      await expect(standin.changes(seqs.at(-1)!)).resolves.toEqual([]);
    });

    it('answers a long poll as soon as something changes', async () => {
      const [latest] = (await standin.changes(0)).slice(-1);
      const waiting = standin.changes(latest?.seq ?? 0, 5000);
      await client.chat.postMessage({ channel: 'C1OPS', text: 'News' });

      await expect(waiting).resolves.toEqual([
        expect.objectContaining({ kind: 'message', message: expect.objectContaining({ text: 'News' }) }),
      ]);
    });

    it('opens a view for the user whose trigger it was opened with', async () => {
      const opened = await client.views.open({ trigger_id: standin.triggerFor('U1ALICE'), view: modal() });
      await client.views.update({ view_id: opened.view!.id!, view: modal('Step 2') });

      const views = (await standin.changes(0)).filter((change) => change.kind === 'view');
      expect(views.map((change) => [change.user, change.view.title])).toEqual([
        ['U1ALICE', plain('Request access')],
        ['U1ALICE', plain('Step 2')],
      ]);
    });
  });

  it('forgets calls and state on reset but keeps users and channels', async () => {
    await client.chat.postMessage({ channel: 'C1OPS', text: 'hi' });
    standin.reset();

    expect(standin.calls).toEqual([]);
    expect(standin.messages('C1OPS')).toEqual([]);
    await expect(client.users.info({ user: 'U1ALICE' })).resolves.toMatchObject({ ok: true });
  });
});

describe('Slack stand-in with a first message time', () => {
  it('starts message timestamps there, so a new run never reuses an earlier run’s ts', async () => {
    const standin = await startSlackStandin({ firstTsSeconds: 1_800_000_000 });
    try {
      const posted = await webClientFor(standin, TOKEN, NO_RETRIES).chat.postMessage({ channel: 'C0ANY', text: 'hi' });
      expect(posted.ts).toBe('1800000000.000100');
    } finally {
      await standin.close();
    }
  });
});

describe('Slack stand-in without configured channels', () => {
  it('accepts any C… or G… channel id', async () => {
    const standin = await startSlackStandin();
    const client = webClientFor(standin, TOKEN, NO_RETRIES);
    try {
      await expect(client.chat.postMessage({ channel: 'C0ANY', text: 'hi' })).resolves.toMatchObject({
        channel: 'C0ANY',
      });
      await expect(client.chat.postMessage({ channel: 'G0ANY', text: 'hi' })).resolves.toMatchObject({
        channel: 'G0ANY',
      });
      await expect(client.chat.postMessage({ channel: 'not-a-channel', text: 'hi' })).rejects.toEqual(platformError('channel_not_found'));
    } finally {
      await standin.close();
    }
  });
});
