import { type Catalog, findEntry } from '../domain/catalog';
import type { RequestStatus } from '../domain/lifecycle';
import { isListed } from '../domain/policy';
import type { Announcements, Clock, Directory, HomeTab, LevelRef, RequestStore } from './ports';

export interface HomeDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'get' | 'listForRequester' | 'awaitingDecision'>;
  directory: Pick<Directory, 'groupsOf' | 'membersOf'>;
  homeTab: HomeTab;
  announcements: Pick<Announcements, 'publishHome'>;
  clock: Clock;
}

/** A person's own latest requests read for their home: their live and pending ones, and the recent past. */
export const HOME_OWN_REQUESTS = 50;
/** Requests waiting for a person's decision read for their home; the home says how many more there are. */
export const HOME_AWAITING_REQUESTS = 25;

/**
 * The statuses in which a change shows in the approvers' homes: while the request waits for them, and
 * the change that ends the wait (it leaves their list).
 */
const SEEN_BY_APPROVERS: readonly RequestStatus[] = ['PENDING', 'APPROVED', 'DENIED', 'TIMED_OUT'];

/** The App Home: what a person holds and asked for, and what waits for their decision, from the database. */
export function appHome(deps: HomeDeps) {
  const groupIds = [...new Set(deps.catalog.resources.flatMap((r) => r.levels.flatMap((l) => l.approvers.groups)))];

  /** The levels this person may approve, from the catalog and their user groups. */
  async function levelsApprovedBy(userId: string): Promise<LevelRef[]> {
    const groups = groupIds.length > 0 ? await deps.directory.groupsOf(userId, groupIds) : new Set<string>();
    return deps.catalog.resources.flatMap((resource) =>
      resource.levels
        .filter((level) => isListed(level.approvers, userId, groups))
        .map((level) => ({ resourceId: resource.id, level: level.id })),
    );
  }

  return {
    /** Renders and publishes the person's home as the database has it now. */
    async publish(userId: string): Promise<void> {
      const now = deps.clock.now();
      const [mine, levels] = await Promise.all([deps.requests.listForRequester(userId, HOME_OWN_REQUESTS), levelsApprovedBy(userId)]);
      const awaiting = levels.length > 0 ? await deps.requests.awaitingDecision(levels, userId, now, HOME_AWAITING_REQUESTS) : null;
      await deps.homeTab.publish({ userId, now, mine, awaiting });
    },

    /**
     * After a change of a request, the homes that show it: its requester's, and while it waits for a
     * decision (or has just stopped waiting) its approvers', the groups among them expanded.
     */
    async refresh(requestId: number): Promise<void> {
      const request = await deps.requests.get(requestId);
      if (!request) return;
      const people = new Set([request.requesterId]);
      // A level no longer in the catalog has no approvers to show it to.
      const approvers = SEEN_BY_APPROVERS.includes(request.status) ? findEntry(deps.catalog, request)?.level.approvers : undefined;
      if (approvers) {
        for (const user of approvers.users) people.add(user);
        if (approvers.groups.length > 0) for (const user of await deps.directory.membersOf(approvers.groups)) people.add(user);
      }
      await Promise.all([...people].map((userId) => deps.announcements.publishHome(userId)));
    },
  };
}
