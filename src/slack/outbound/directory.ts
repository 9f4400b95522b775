import type { WebClient } from '@slack/web-api';
import type { Directory } from '../../app/ports';
import type { SlackProfile } from '../../domain/policy';

/**
 * How long a Slack answer is reused: group membership, and the profile an identity is derived from. A
 * change in Slack (an email, an admin-managed field, a group) takes effect within this long.
 */
export const DIRECTORY_CACHE_MS = 60_000;

/** Entries kept at most; past it the expired ones go, then the oldest. */
const CACHE_ENTRIES = 10_000;

/** Slack profiles and user-group membership, cached briefly: a burst of requests or clicks asks Slack once. */
export class SlackDirectory implements Directory {
  private readonly groups = new BriefCache<Set<string>>();
  private readonly profiles = new BriefCache<SlackProfile>();

  constructor(private readonly slack: WebClient) {}

  profile(userId: string, { customFields }: { customFields: boolean }): Promise<SlackProfile> {
    return this.profiles.get(`${userId}:${customFields}`, () => this.fetchProfile(userId, customFields), keepProfile);
  }

  async groupsOf(userId: string, groupIds: readonly string[]): Promise<Set<string>> {
    const memberships = await Promise.all(groupIds.map(async (id) => [id, (await this.members(id)).has(userId)] as const));
    return new Set(memberships.filter(([, member]) => member).map(([id]) => id));
  }

  async membersOf(groupIds: readonly string[]): Promise<Set<string>> {
    const groups = await Promise.all(groupIds.map((id) => this.members(id)));
    return new Set(groups.flatMap((members) => [...members]));
  }

  private async fetchProfile(userId: string, customFields: boolean): Promise<SlackProfile> {
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
      timeZone: user?.tz ?? null,
    };
  }

  private members(groupId: string): Promise<Set<string>> {
    return this.groups.get(groupId, () =>
      this.slack.usergroups.users.list({ usergroup: groupId }).then((answer) => new Set(answer.users ?? [])),
    );
  }
}

/**
 * An unconfirmed email is asked again each time: the refusal tells the person to confirm it and ask
 * again, which they may do at once.
 */
const keepProfile = (profile: SlackProfile) => profile.emailConfirmed || !profile.email;

/** Answers kept for DIRECTORY_CACHE_MS; a failed call, or an answer `keep` declines, is not kept. */
class BriefCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  get(key: string, load: () => Promise<V>, keep: (value: V) => boolean = () => true): Promise<V> {
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && now - cached.at < DIRECTORY_CACHE_MS) return cached.value;
    const value = load();
    const forget = () => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    };
    value.then((v) => keep(v) || forget(), forget);
    this.entries.delete(key);
    this.entries.set(key, { at: now, value });
    this.trim(now);
    return value;
  }

  private trim(now: number): void {
    if (this.entries.size <= CACHE_ENTRIES) return;
    for (const [key, entry] of this.entries) if (now - entry.at >= DIRECTORY_CACHE_MS) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= CACHE_ENTRIES) break;
      this.entries.delete(key);
    }
  }
}
