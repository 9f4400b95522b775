import type { WebClient } from '@slack/web-api';
import type { Directory } from '../../app/ports';
import type { SlackProfile } from '../../domain/policy';

const CACHE_MS = 60_000;

/** Slack profiles and user-group membership, cached briefly: a burst of clicks asks Slack once. */
export class SlackDirectory implements Directory {
  private readonly groupCache = new Map<string, { at: number; members: Promise<Set<string>> }>();

  constructor(private readonly slack: WebClient) {}

  async profile(userId: string, { customFields }: { customFields: boolean }): Promise<SlackProfile> {
    // users.info carries is_email_confirmed (absent counts as unconfirmed); only users.profile.get has the custom fields.
    const [{ user }, custom] = await Promise.all([
      this.slack.users.info({ user: userId }),
      customFields ? this.slack.users.profile.get({ user: userId }) : undefined,
    ]);
    const fields = Object.entries(custom?.profile?.fields ?? {}).flatMap(([id, field]) =>
      field?.value ? [[id, field.value] as const] : [],
    );
    return {
      userId,
      email: user?.profile?.email ?? null,
      emailConfirmed: user?.is_email_confirmed === true,
      fields: Object.fromEntries(fields),
    };
  }

  async groupsOf(userId: string, groupIds: readonly string[]): Promise<Set<string>> {
    const memberships = await Promise.all(groupIds.map(async (id) => [id, (await this.members(id)).has(userId)] as const));
    return new Set(memberships.filter(([, member]) => member).map(([id]) => id));
  }

  private members(groupId: string): Promise<Set<string>> {
    const cached = this.groupCache.get(groupId);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.members;
    const members = this.slack.usergroups.users.list({ usergroup: groupId }).then((answer) => new Set(answer.users ?? []));
    members.catch(() => this.groupCache.delete(groupId));
    this.groupCache.set(groupId, { at: Date.now(), members });
    return members;
  }
}
