import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { type SlackStandin, startSlackStandin } from '../../../../devkit/slack-standin/server';
import { validateOptionsResponse } from '../../../../devkit/slack-standin/block-kit-limits';
import {
  blockActionsPayload,
  blockSuggestionPayload,
  sendInteraction,
  sendSlashCommand,
  viewSubmissionPayload,
} from '../../../../devkit/slack-standin/signed-request';
import { silentLogger } from './support';

const TOKEN = 'xoxb-test';
const SECRET = 'test-signing-secret';

describe('a real Bolt app talking to the stand-in', () => {
  let standin: SlackStandin;
  let app: App;
  let endpoint: string;

  beforeAll(async () => {
    standin = await startSlackStandin({ botToken: TOKEN, users: [{ id: 'U1ALICE', name: 'alice' }] });
    app = new App({
      token: TOKEN,
      signingSecret: SECRET,
      logger: silentLogger,
      clientOptions: { slackApiUrl: standin.apiUrl },
    });
    app.command('/prod-access', async ({ ack, respond, client, command }) => {
      await ack();
      await respond({ response_type: 'ephemeral', text: `Requesting ${command.text}` });
      await client.chat.postMessage({ channel: command.user_id, text: 'Request received' });
    });
    app.action('approve', async ({ ack, respond }) => {
      await ack();
      await respond({ replace_original: true, text: 'Approved' });
    });
    app.options('resource', async ({ ack, options }) => {
      await ack({ options: [{ text: { type: 'plain_text', text: `Orders (${options.value})` }, value: 'orders-db' }] });
    });
    app.view('request_access', async ({ ack }) => {
      await ack({ response_action: 'errors', errors: { reason: 'Give a longer reason' } });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterAll(async () => {
    await app.stop();
    await standin.close();
  });

  it('calls auth.test as soon as the App is constructed, before any request', async () => {
    await standin.waitFor('auth.test');

    expect(standin.calls[0]).toMatchObject({ method: 'auth.test', token: TOKEN });
  });

  it('acks a signed slash command, then reaches response_url and the Web API', async () => {
    const since = standin.calls.length;
    const responseUrl = standin.responseUrl();

    const reply = await sendSlashCommand(endpoint, SECRET, {
      text: 'prod-db 1h',
      user_id: 'U1ALICE',
      response_url: responseUrl,
    });

    expect(reply.status).toBe(200);
    await expect(standin.waitFor((call) => call.kind === 'response', 5000, since)).resolves.toMatchObject({
      url: responseUrl,
      body: { response_type: 'ephemeral', text: 'Requesting prod-db 1h' },
    });
    await expect(standin.waitFor('chat.postMessage', 5000, since)).resolves.toMatchObject({
      args: { channel: 'U1ALICE', text: 'Request received' },
      response: { ok: true, channel: 'DU1ALICE' },
    });
    expect(standin.messages('U1ALICE')).toEqual([expect.objectContaining({ text: 'Request received' })]);
  });

  it('rejects a slash command with a bad signature with 401', async () => {
    const reply = await sendSlashCommand(
      endpoint,
      SECRET,
      { text: '', user_id: 'U1ALICE', response_url: standin.responseUrl() },
      { signature: 'v0=forged' },
    );

    expect(reply.status).toBe(401);
  });

  it('delivers a button click whose respond() reaches the response_url', async () => {
    const since = standin.calls.length;
    const responseUrl = standin.responseUrl('approve-click');
    const payload = blockActionsPayload({
      user: 'U1ALICE',
      actionId: 'approve',
      value: 'req-1',
      channel: 'C1OPS',
      messageTs: '1700000000.000100',
      responseUrl,
    });

    const reply = await sendInteraction(endpoint, SECRET, payload);

    expect(reply.status).toBe(200);
    await expect(standin.waitFor((call) => call.kind === 'response', 5000, since)).resolves.toMatchObject({
      name: 'approve-click',
      body: { replace_original: true, text: 'Approved' },
    });
  });

  it('returns the response_action body of a view_submission to the caller', async () => {
    const payload = viewSubmissionPayload({ user: 'U1ALICE', callbackId: 'request_access', values: {} });

    const reply = await sendInteraction(endpoint, SECRET, payload);

    expect(reply).toMatchObject({
      status: 200,
      json: { response_action: 'errors', errors: { reason: 'Give a longer reason' } },
    });
  });

  it('answers a block_suggestion with the options in the HTTP response', async () => {
    const payload = blockSuggestionPayload({
      user: 'U1ALICE',
      actionId: 'resource',
      blockId: 'resource',
      value: 'ord',
      view: { id: 'V0REQUEST1', hash: '1700000000.abcd', callback_id: 'request_access', private_metadata: '' },
    });

    const reply = await sendInteraction(endpoint, SECRET, payload);

    expect(reply).toMatchObject({ status: 200, json: { options: [{ value: 'orders-db', text: { text: 'Orders (ord)' } }] } });
    expect(validateOptionsResponse(reply.json)).toBeNull();
  });
});
