import { WebClient } from '@slack/web-api';
import { SlackDirectory } from '../../src/notify/slack-directory';
import { startSlackStandin } from '../../src/slack-standin/server';

test('a Slack profile carries the email and the custom profile fields that identity rules read', async () => {
  const slack = await startSlackStandin({
    botToken: 'xoxb-directory-test',
    users: [
      { id: 'U0FIELDS01', name: 'fred', email: 'fred@example.com', profileFields: { Xf01FLAGUSER: 'fred.flags' } },
      { id: 'U0PLAIN001', name: 'pam' },
    ],
  });
  try {
    const directory = new SlackDirectory(new WebClient('xoxb-directory-test', { slackApiUrl: slack.apiUrl }));
    expect(await directory.profile('U0FIELDS01')).toEqual({
      userId: 'U0FIELDS01',
      email: 'fred@example.com',
      fields: { Xf01FLAGUSER: 'fred.flags' },
    });
    expect(await directory.profile('U0PLAIN001')).toEqual({ userId: 'U0PLAIN001', email: null, fields: {} });
  } finally {
    await slack.close();
  }
});
