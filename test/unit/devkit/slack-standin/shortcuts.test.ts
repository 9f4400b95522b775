import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type MessageShortcut, webApi } from '@slack/bolt';
import { readManifest } from '../../../../devkit/slack-standin/method-rules';
import { type SlackStandin, startSlackStandin } from '../../../../devkit/slack-standin/server';
import {
  globalShortcutPayload,
  messageShortcutPayload,
  sendInteraction,
  sendSlashCommand,
} from '../../../../devkit/slack-standin/signed-request';
import { silentLogger, webClientFor } from './support';

const TOKEN = 'xoxb-test';
const SECRET = 'test-signing-secret';
const ALICE = { id: 'U1ALICE', name: 'alice' };
const BOB = { id: 'U1BOB', name: 'bob' };
const GLOBAL = readManifest().shortcuts.find((s) => s.type === 'global')!.callbackId;
const MESSAGE = readManifest().shortcuts.find((s) => s.type === 'message')!.callbackId;
const modal: webApi.ModalView = { type: 'modal', title: { type: 'plain_text', text: 'Request' }, blocks: [] };

/** A clock the test moves by hand, so the trigger's 3 seconds are checked without waiting. */
let now = 1_800_000_000_000;

function platformError(error: string) {
  return expect.objectContaining({ code: webApi.ErrorCode.PlatformError, data: expect.objectContaining({ ok: false, error }) });
}

describe('shortcuts and DMs in the stand-in, as Slack sends and answers them', () => {
  let standin: SlackStandin;
  let client: webApi.WebClient;
  let app: App;
  let endpoint: string;
  /** What the app's listeners received, newest last. */
  const received: Record<string, unknown>[] = [];

  beforeAll(async () => {
    standin = await startSlackStandin({ botToken: TOKEN, users: [ALICE, BOB], channels: [{ id: 'C1OPS', name: 'ops' }], now: () => now });
    client = webClientFor(standin, TOKEN, { retryConfig: { retries: 0 } });
    app = new App({ token: TOKEN, signingSecret: SECRET, logger: silentLogger, clientOptions: { slackApiUrl: standin.apiUrl } });
    app.shortcut(GLOBAL, async ({ ack, shortcut }) => {
      await ack();
      received.push(shortcut as unknown as Record<string, unknown>);
    });
    app.shortcut<MessageShortcut>(MESSAGE, async ({ ack, shortcut, respond }) => {
      await ack();
      received.push(shortcut as unknown as Record<string, unknown>);
      await respond({ response_type: 'ephemeral', text: `about ${shortcut.message.ts}` });
    });
    app.command('/prod-access', async ({ ack, command, respond }) => {
      await ack();
      received.push(command as unknown as Record<string, unknown>);
      await respond({ response_type: 'ephemeral', text: 'answered in the DM' });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterAll(async () => {
    await app.stop();
    await standin.close();
  });

  it('sends a global shortcut Bolt routes by callback id: a trigger_id, no conversation and no response_url', async () => {
    const triggerId = standin.triggerFor(ALICE.id);
    const payload = globalShortcutPayload({ user: ALICE, callbackId: GLOBAL, triggerId });

    expect((await sendInteraction(endpoint, SECRET, payload)).status).toBe(200);
    expect(received.at(-1)).toMatchObject({ type: 'shortcut', callback_id: GLOBAL, trigger_id: triggerId, user: { id: ALICE.id } });
    expect(received.at(-1)).not.toHaveProperty('response_url');
    expect(received.at(-1)).not.toHaveProperty('channel');
  });

  it('sends a message shortcut with the whole message, its conversation and a response_url there, but no permalink', async () => {
    const message = standin.postAs(ALICE.id, 'C1OPS', 'INC-42: orders are slow');
    const responseUrl = standin.responseUrl('shortcut', { user: ALICE.id, channel: 'C1OPS' });
    const payload = messageShortcutPayload({ user: ALICE, callbackId: MESSAGE, channel: 'C1OPS', message: { ...message }, responseUrl });

    expect((await sendInteraction(endpoint, SECRET, payload)).status).toBe(200);
    expect(received.at(-1)).toMatchObject({
      type: 'message_action',
      callback_id: MESSAGE,
      channel: { id: 'C1OPS' },
      message_ts: message.ts,
      message: { type: 'message', ts: message.ts, user: ALICE.id, text: 'INC-42: orders are slow' },
      response_url: responseUrl,
    });
    expect(JSON.stringify(received.at(-1))).not.toContain('permalink');
    await standin.waitFor((call) => call.kind === 'response' && call.name === 'shortcut');
    expect(standin.ephemeralMessages('C1OPS')).toEqual([expect.objectContaining({ user: ALICE.id, text: `about ${message.ts}` })]);
  });

  it('posts a message as a person only in a conversation it knows, for a person it knows, and as a person’s (no bot_id)', () => {
    expect(standin.postAs(BOB.id, `D${BOB.id}`, 'note to self')).not.toHaveProperty('bot_id');
    expect(() => standin.postAs('U9NOBODY', 'C1OPS', 'who?')).toThrow(/no conversation C1OPS or person U9NOBODY/);
    expect(() => standin.postAs(ALICE.id, 'C9SECRET', 'where?')).toThrow(/no conversation C9SECRET/);
  });

  it('sends only the shortcuts the manifest declares, each as its own type', () => {
    expect(() => globalShortcutPayload({ user: ALICE, callbackId: 'not_in_the_manifest' })).toThrow(/does not declare/);
    expect(() => globalShortcutPayload({ user: ALICE, callbackId: MESSAGE })).toThrow(/no global shortcut/);
    const message = { type: 'message', ts: '1700000000.000100', text: 'hi' };
    expect(() => messageShortcutPayload({ user: ALICE, callbackId: GLOBAL, channel: 'C1OPS', message, responseUrl: 'x' })).toThrow(
      /no message shortcut/,
    );
    const manifest = { ...readManifest(), shortcuts: [{ type: 'global' as const, callbackId: 'renamed', name: 'Renamed' }] };
    expect(globalShortcutPayload({ user: ALICE, callbackId: 'renamed', manifest })).toMatchObject({ callback_id: 'renamed' });
  });

  it("opens a view with a shortcut's trigger_id for 3 seconds, once", async () => {
    const inTime = standin.triggerFor(ALICE.id);
    const late = standin.triggerFor(ALICE.id);
    now += 3000;
    await expect(client.views.open({ trigger_id: inTime, view: modal })).resolves.toMatchObject({ ok: true });
    await expect(client.views.open({ trigger_id: inTime, view: modal })).rejects.toThrow(platformError('exchanged_trigger_id'));
    now += 1;
    await expect(client.views.open({ trigger_id: late, view: modal })).rejects.toThrow(platformError('expired_trigger_id'));
  });

  it('answers chat.getPermalink as Slack does: a thread reply names its thread; an unknown conversation or message is an error', async () => {
    const top = standin.postAs(ALICE.id, 'C1OPS', 'top');
    const reply = await client.chat.postMessage({ channel: 'C1OPS', text: 'in the thread', thread_ts: top.ts });
    const base = `http://127.0.0.1:${standin.port}/archives/C1OPS`;

    await expect(client.chat.getPermalink({ channel: 'C1OPS', message_ts: top.ts })).resolves.toMatchObject({
      ok: true,
      channel: 'C1OPS',
      permalink: `${base}/p${top.ts.replace('.', '')}`,
    });
    await expect(client.chat.getPermalink({ channel: 'C1OPS', message_ts: reply.ts! })).resolves.toMatchObject({
      permalink: `${base}/p${reply.ts!.replace('.', '')}?thread_ts=${top.ts}&cid=C1OPS`,
    });
    await expect(client.chat.getPermalink({ channel: 'C9SECRET', message_ts: top.ts })).rejects.toThrow(platformError('channel_not_found'));
    await expect(client.chat.getPermalink({ channel: 'C1OPS', message_ts: '1.000001' })).rejects.toThrow(
      platformError('message_not_found'),
    );
  });

  it('sends a slash command typed in a DM with the app as Slack does, and shows its answer in that DM', async () => {
    const dm = `D${ALICE.id}`;
    const responseUrl = standin.responseUrl('in-dm', { user: ALICE.id, channel: dm });

    expect(
      (await sendSlashCommand(endpoint, SECRET, { text: '', user_id: ALICE.id, channel_id: dm, response_url: responseUrl })).status,
    ).toBe(200);
    expect(received.at(-1)).toMatchObject({ channel_id: dm, channel_name: 'directmessage' });
    await standin.waitFor((call) => call.kind === 'response' && call.name === 'in-dm');
    expect(standin.ephemeralMessages(dm)).toEqual([expect.objectContaining({ user: ALICE.id, text: 'answered in the DM' })]);
  });

  it('shows an ephemeral message in a DM with the app only to the person whose DM it is', async () => {
    const dm = `D${ALICE.id}`;
    await expect(client.chat.postEphemeral({ channel: dm, user: ALICE.id, text: 'just you' })).resolves.toMatchObject({ ok: true });
    await expect(client.chat.postEphemeral({ channel: dm, user: BOB.id, text: 'not here' })).rejects.toThrow(
      platformError('user_not_in_channel'),
    );
  });
});
