import { WebClient } from '@slack/web-api';
import { SlackDirectory } from '../../src/slack/outbound/directory';
import { startSlackStandin } from '../../devkit/slack-standin/server';

test('a Slack profile carries the email, whether Slack confirmed it, and the custom profile fields that identity rules read', async () => {
  const slack = await startSlackStandin({
    botToken: 'xoxb-directory-test',
    users: [
      { id: 'U0FIELDS01', name: 'fred', email: 'fred@example.com', profileFields: { Xf01FLAGUSER: 'fred.flags' } },
      { id: 'U0PLAIN001', name: 'pam' },
      { id: 'U0UNCONF01', name: 'una', email: 'una@example.com', emailConfirmed: false, profileFields: { Xf01FLAGUSER: 'una' } },
    ],
  });
  try {
    const directory = new SlackDirectory(new WebClient('xoxb-directory-test', { slackApiUrl: slack.apiUrl }));
    expect(await directory.profile('U0FIELDS01', { customFields: true })).toEqual({
      userId: 'U0FIELDS01',
      email: 'fred@example.com',
      emailConfirmed: true,
      fields: { Xf01FLAGUSER: 'fred.flags' },
    });
    expect(await directory.profile('U0PLAIN001', { customFields: true })).toEqual({
      userId: 'U0PLAIN001',
      email: null,
      emailConfirmed: true,
      fields: {},
    });
    expect(await directory.profile('U0UNCONF01', { customFields: false })).toEqual({
      userId: 'U0UNCONF01',
      email: 'una@example.com',
      emailConfirmed: false,
      fields: {},
    });
    // Custom fields cost a second call (and its scope), made only for rules that read one.
    expect(slack.callsTo('users.profile.get')).toHaveLength(2);
  } finally {
    await slack.close();
  }
});
