import { WebClient } from '@slack/web-api';
import { DIRECTORY_CACHE_MS, SlackDirectory } from '../../src/slack/outbound/directory';
import { startSlackStandin } from '../../devkit/slack-standin/server';

test('a Slack profile carries the email, whether Slack confirmed it, and the custom profile fields that identity rules read', async () => {
  const slack = await startSlackStandin({
    botToken: 'xoxb-directory-test',
    users: [
      {
        id: 'U0FIELDS01',
        name: 'fred',
        email: 'fred@example.com',
        profileFields: { Xf01FLAGUSER: 'fred.flags' },
        timeZone: 'Europe/Paris',
      },
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
      timeZone: 'Europe/Paris',
    });
    expect(await directory.profile('U0PLAIN001', { customFields: true })).toEqual({
      userId: 'U0PLAIN001',
      email: null,
      emailConfirmed: true,
      fields: {},
      timeZone: 'UTC',
    });
    expect(await directory.profile('U0UNCONF01', { customFields: false })).toEqual({
      userId: 'U0UNCONF01',
      email: 'una@example.com',
      emailConfirmed: false,
      fields: {},
      timeZone: 'UTC',
    });
    // The time zone is the one users.info gives (scheduled starts read it). Custom fields cost a second
    // call (and its scope), made only for rules that read one.
    expect(slack.callsTo('users.profile.get')).toHaveLength(2);
  } finally {
    await slack.close();
  }
});

test('a profile is asked of Slack once per DIRECTORY_CACHE_MS, except one whose email is not yet confirmed', async () => {
  const slack = await startSlackStandin({
    botToken: 'xoxb-directory-test',
    users: [
      { id: 'U0FIELDS01', name: 'fred', email: 'fred@example.com', profileFields: { Xf01FLAGUSER: 'fred.flags' } },
      { id: 'U0UNCONF01', name: 'una', email: 'una@example.com', emailConfirmed: false },
    ],
  });
  const now = jest.spyOn(Date, 'now');
  try {
    const directory = new SlackDirectory(new WebClient('xoxb-directory-test', { slackApiUrl: slack.apiUrl }));
    const infoCalls = (user: string) => slack.callsTo('users.info').filter((c) => c.args.user === user).length;
    now.mockReturnValue(1_000_000);
    const first = await directory.profile('U0FIELDS01', { customFields: true });
    now.mockReturnValue(1_000_000 + DIRECTORY_CACHE_MS - 1);
    expect(await directory.profile('U0FIELDS01', { customFields: true })).toEqual(first);
    expect(infoCalls('U0FIELDS01')).toBe(1);
    expect(slack.callsTo('users.profile.get')).toHaveLength(1);
    // Past the bound, Slack is asked again: a change there counts from then on.
    now.mockReturnValue(1_000_000 + DIRECTORY_CACHE_MS);
    await directory.profile('U0FIELDS01', { customFields: true });
    expect(infoCalls('U0FIELDS01')).toBe(2);
    // Told to confirm the address and ask again, the person may do so at once.
    await directory.profile('U0UNCONF01', { customFields: false });
    await directory.profile('U0UNCONF01', { customFields: false });
    expect(infoCalls('U0UNCONF01')).toBe(2);
  } finally {
    now.mockRestore();
    await slack.close();
  }
});

test('the members of user groups, together, each group asked of Slack once per DIRECTORY_CACHE_MS', async () => {
  const slack = await startSlackStandin({
    botToken: 'xoxb-directory-test',
    usergroups: [
      { id: 'S0DBAS0001', handle: 'dbas', users: ['U0ANNA0001', 'U0BOB00001'] },
      { id: 'S0ONCALL01', handle: 'oncall', users: ['U0BOB00001', 'U0CARL0001'] },
    ],
  });
  try {
    const directory = new SlackDirectory(new WebClient('xoxb-directory-test', { slackApiUrl: slack.apiUrl }));
    expect([...(await directory.membersOf(['S0DBAS0001', 'S0ONCALL01']))].sort()).toEqual(['U0ANNA0001', 'U0BOB00001', 'U0CARL0001']);
    expect(await directory.groupsOf('U0CARL0001', ['S0DBAS0001', 'S0ONCALL01'])).toEqual(new Set(['S0ONCALL01']));
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(2);
  } finally {
    await slack.close();
  }
});
