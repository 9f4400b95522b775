import { type SlackStandin, startSlackStandin } from '../../../devkit/slack-standin/server';
import type { StandinUser } from '../../../devkit/slack-standin/types';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-0000-secret-token';
export const CHANNELS = { owners: 'C0OWNERS01', audit: 'C0AUDIT001', general: 'C0GENERAL' } as const;
export const APPROVER_GROUP = 'S0APPROVE1';

/** The Slack user ids of the workspace's people, by the part they play. */
export interface People {
  /** alice: the developer, the one person the catalog maps to the target's login role. */
  dev: string;
  /** maria: an approver of both levels by name. */
  manager1: string;
  /** mo: an approver of write by name, of read-only through the approver group. */
  manager2: string;
  /** oscar: in the workspace, approver of nothing. */
  outsider: string;
  /** nora: her email's domain is not one the catalog takes identities from. */
  unmapped: string;
}

export interface Workspace {
  slack: SlackStandin;
  users: People;
}

/** The Slack stand-in with the harness's people and channels; the ids end in `suffix`, so workspaces run side by side. */
export async function startWorkspace(suffix: string, extraUsers: StandinUser[] = [], devTimeZone?: string): Promise<Workspace> {
  const id = (part: string) => `U${part}${suffix.toUpperCase()}`;
  const users: People = { dev: id('DEV'), manager1: id('MGRA'), manager2: id('MGRB'), outsider: id('OUT'), unmapped: id('NOID') };
  const slack = await startSlackStandin({
    botToken: BOT_TOKEN,
    users: [
      { id: users.dev, name: 'alice', email: 'alice@example.com', ...(devTimeZone && { timeZone: devTimeZone }) },
      { id: users.manager1, name: 'maria', email: 'maria@example.com' },
      { id: users.manager2, name: 'mo', email: 'mo@example.com' },
      { id: users.outsider, name: 'oscar', email: 'oscar@example.com' },
      { id: users.unmapped, name: 'nora', email: 'nora@elsewhere.org' },
      ...extraUsers,
    ],
    channels: [
      { id: CHANNELS.owners, name: 'orders-owners' },
      { id: CHANNELS.audit, name: 'prod-access-audit' },
      { id: CHANNELS.general, name: 'general' },
    ],
    // The requester is in the approver group: they still can never approve their own request.
    usergroups: [{ id: APPROVER_GROUP, handle: 'orders-approvers', users: [users.manager2, users.dev] }],
  });
  return { slack, users };
}
