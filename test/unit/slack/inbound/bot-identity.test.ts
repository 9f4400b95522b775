import { createLogger } from '../../../../src/shared/logger';
import { BotIdentity } from '../../../../src/slack/inbound/bot-identity';
import { waitUntil } from '../../../support/wait';

const logger = createLogger({ level: 'silent', pretty: false });

describe('the bot identity', () => {
  test('is looked up in the background and retried until Slack answers', async () => {
    let attempts = 0;
    const identity = new BotIdentity(
      async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('slack unreachable');
        return { botId: 'B1', botUserId: 'U1' };
      },
      logger,
      { first: 1, max: 5 },
    );
    identity.start();
    expect(identity.ids).toEqual({});
    await waitUntil(
      () => identity.ids.botId,
      10_000,
      () => `the third attempt; ${attempts} so far`,
    );
    expect(identity.ids).toEqual({ botId: 'B1', botUserId: 'U1' });
    expect(attempts).toBe(3);
    identity.stop();
  });
});
