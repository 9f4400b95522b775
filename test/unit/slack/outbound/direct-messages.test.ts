import type { WebClient } from '@slack/web-api';
import { DirectMessages } from '../../../../src/slack/outbound/direct-message';

/** A Web API client with only the two methods a DM needs, recording each call. */
function fakeClient(postFailures: unknown[] = []) {
  const calls: string[] = [];
  let opened = 0;
  const client = {
    conversations: {
      open: async ({ users }: { users: string }) => {
        calls.push(`open ${users}`);
        return { channel: { id: `D${users}${++opened}` } };
      },
    },
    chat: {
      postMessage: async ({ channel }: { channel: string }) => {
        calls.push(`post ${channel}`);
        const failure = postFailures.shift();
        if (failure) throw failure;
        return { channel, ts: '1.000001' };
      },
    },
  };
  return { client: client as unknown as WebClient, calls };
}

const slackError = (error: string) => Object.assign(new Error(`An API error occurred: ${error}`), { data: { ok: false, error } });

describe('DirectMessages', () => {
  it('asks Slack for a person’s DM once and posts there every time after', async () => {
    const { client, calls } = fakeClient();
    const dms = new DirectMessages(client);
    await dms.send('U1', 'one');
    await dms.send('U1', 'two');
    await dms.send('U2', 'three');
    expect(calls).toEqual(['open U1', 'post DU11', 'post DU11', 'open U2', 'post DU22']);
  });

  it('opens the DM again when Slack no longer knows the kept one', async () => {
    const { client, calls } = fakeClient([undefined, slackError('channel_not_found')]);
    const dms = new DirectMessages(client);
    await dms.send('U1', 'one');
    await expect(dms.send('U1', 'two')).resolves.toEqual({ channel: 'DU12', ts: '1.000001' });
    expect(calls).toEqual(['open U1', 'post DU11', 'post DU11', 'open U1', 'post DU12']);
  });

  it('leaves any other failure to the caller and keeps the DM', async () => {
    const { client, calls } = fakeClient([undefined, slackError('ratelimited')]);
    const dms = new DirectMessages(client);
    await dms.send('U1', 'one');
    await expect(dms.send('U1', 'two')).rejects.toThrow('ratelimited');
    await dms.send('U1', 'three');
    expect(calls).toEqual(['open U1', 'post DU11', 'post DU11', 'post DU11']);
  });
});
