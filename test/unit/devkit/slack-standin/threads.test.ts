import { webApi } from '@slack/bolt';
import { type SlackStandin, startSlackStandin } from '../../../../devkit/slack-standin/server';
import { webClientFor } from './support';

const TOKEN = 'xoxb-test';
const NO_RETRIES = { retryConfig: { retries: 0 } };

function platformError(error: string) {
  return expect.objectContaining({ code: webApi.ErrorCode.PlatformError, data: expect.objectContaining({ ok: false, error }) });
}

/** chat.postMessage with thread_ts, as Slack answers it. */
describe('threads in the Slack stand-in', () => {
  let standin: SlackStandin;
  let client: webApi.WebClient;

  beforeAll(async () => {
    standin = await startSlackStandin({
      botToken: TOKEN,
      channels: [
        { id: 'C1OPS', name: 'ops' },
        { id: 'C1DEV', name: 'dev' },
      ],
    });
    client = webClientFor(standin, TOKEN, NO_RETRIES);
  });

  afterEach(() => standin.reset());
  afterAll(() => standin.close());

  test('a reply goes in the thread of its parent, not among the channel messages, and names its parent', async () => {
    const parent = await client.chat.postMessage({ channel: 'C1OPS', text: 'Access request #1' });
    const reply = await client.chat.postMessage({ channel: 'C1OPS', thread_ts: parent.ts!, text: 'Still waiting' });

    expect(reply).toMatchObject({ ok: true, channel: 'C1OPS', message: { thread_ts: parent.ts, parent_user_id: 'UBOT' } });
    expect(reply.ts).not.toBe(parent.ts);
    expect(standin.messages('C1OPS').map((m) => m.text)).toEqual(['Access request #1']);
    expect(standin.replies('C1OPS', parent.ts!).map((m) => m.text)).toEqual(['Still waiting']);
    // The parent is a thread now, as Slack shows it: its own ts as thread_ts, and its replies counted.
    expect(standin.messages('C1OPS')[0]).toMatchObject({ thread_ts: parent.ts, reply_count: 1, latest_reply: reply.ts });
  });

  test('a reply whose parent is not a message of that channel is refused, and nothing is posted', async () => {
    const parent = await client.chat.postMessage({ channel: 'C1OPS', text: 'Access request #1' });

    await expect(client.chat.postMessage({ channel: 'C1DEV', thread_ts: parent.ts!, text: 'wrong channel' })).rejects.toEqual(
      platformError('thread_not_found'),
    );
    await expect(client.chat.postMessage({ channel: 'C1OPS', thread_ts: '1700009999.000100', text: 'no parent' })).rejects.toEqual(
      platformError('thread_not_found'),
    );
    await expect(client.chat.postMessage({ channel: 'C1OPS', thread_ts: 'yesterday', text: 'not a ts' })).rejects.toEqual(
      platformError('invalid_thread_ts'),
    );
    expect(standin.messages('C1DEV')).toEqual([]);
    expect(standin.replies('C1OPS', parent.ts!)).toEqual([]);
  });

  test("a reply's ts does not start a thread of its own: replies name the parent", async () => {
    const parent = await client.chat.postMessage({ channel: 'C1OPS', text: 'Access request #1' });
    const reply = await client.chat.postMessage({ channel: 'C1OPS', thread_ts: parent.ts!, text: 'first' });

    await expect(client.chat.postMessage({ channel: 'C1OPS', thread_ts: reply.ts!, text: 'nested' })).rejects.toEqual(
      platformError('invalid_thread_ts'),
    );
    await client.chat.postMessage({ channel: 'C1OPS', thread_ts: parent.ts!, text: 'second' });
    expect(standin.replies('C1OPS', parent.ts!).map((m) => m.text)).toEqual(['first', 'second']);
    expect(standin.messages('C1OPS')[0]).toMatchObject({ reply_count: 2 });
  });

  test("a reply's permalink opens its thread", async () => {
    const parent = await client.chat.postMessage({ channel: 'C1OPS', text: 'Access request #1' });
    const reply = await client.chat.postMessage({ channel: 'C1OPS', thread_ts: parent.ts!, text: 'Still waiting' });

    const link = await client.chat.getPermalink({ channel: 'C1OPS', message_ts: reply.ts! });
    expect(link.permalink).toBe(
      `${standin.apiUrl.replace(/\/api\/?$/, '')}/archives/C1OPS/p${reply.ts!.replace('.', '')}?thread_ts=${parent.ts}&cid=C1OPS`,
    );
  });

  test('a client drawing the workspace sees the reply, and the parent again with its reply count', async () => {
    const parent = await client.chat.postMessage({ channel: 'C1OPS', text: 'Access request #1' });
    const seen = (await standin.changes(0, 0)).length;
    await client.chat.postMessage({ channel: 'C1OPS', thread_ts: parent.ts!, text: 'Still waiting' });

    const changes = (await standin.changes(0, 0)).slice(seen);
    expect(changes).toEqual([
      expect.objectContaining({
        kind: 'message',
        channel: 'C1OPS',
        message: expect.objectContaining({ text: 'Still waiting', thread_ts: parent.ts }),
      }),
      expect.objectContaining({ kind: 'message', channel: 'C1OPS', message: expect.objectContaining({ ts: parent.ts, reply_count: 1 }) }),
    ]);
  });
});
