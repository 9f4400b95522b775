import { approveRequest } from '../../../src/app/decisions';
import { appHome } from '../../../src/app/home';
import type { HomeContent } from '../../../src/app/ports';
import { fakeWorld } from '../../support/fakes';

function setUp() {
  const w = fakeWorld();
  const published: HomeContent[] = [];
  const homes = appHome({ ...w, homeTab: { publish: async (home) => void published.push(home) } });
  return { w, homes, published };
}

describe('publishing a home', () => {
  test('an approver gets the pending requests they may still decide: not their own, not one they approved', async () => {
    const { w, homes, published } = setUp();
    const waiting = w.requests.seed({ requesterId: 'UDEV' });
    const own = w.requests.seed({ requesterId: 'UMGR1' });
    const twoApprovals = w.requests.seed({ requesterId: 'UDEV', level: 'write', approvalsRequired: 2 });
    await w.requests.approve(twoApprovals.id, 'UMGR1', w.clock.now());
    w.requests.seed({ requesterId: 'UDEV', pendingExpiresAt: new Date(w.clock.now().getTime() - 1000) });
    w.requests.seed({ requesterId: 'UDEV', status: 'DENIED' });

    await homes.publish('UMGR1');
    expect(published[0]?.awaiting).toEqual({ requests: [expect.objectContaining({ id: waiting.id })], total: 1 });
    expect(published[0]?.mine.map((r) => r.id)).toEqual([own.id]);
  });

  test('a member of an approver group is an approver; someone who approves nothing gets no such list', async () => {
    const { w, homes, published } = setUp();
    w.directory.memberships.set('UDBA', ['SDBAS']);
    const { id } = w.requests.seed();
    await homes.publish('UDBA');
    await homes.publish('UOUTSIDER');
    expect(published[0]?.awaiting?.requests.map((r) => r.id)).toEqual([id]);
    expect(published[1]?.awaiting).toBeNull();
  });
});

describe('refreshing the homes a change shows in', () => {
  test('a pending request: its requester, and its approvers with the groups expanded', async () => {
    const { w, homes } = setUp();
    w.directory.memberships.set('UDBA', ['SDBAS']);
    const { id } = w.requests.seed();
    await homes.refresh(id);
    expect(w.announcements.homesPublished.sort()).toEqual(['UDBA', 'UDEV', 'UMGR1', 'UMGR2']);
  });

  test('a change after the decision (granted, expired) shows in the requester’s home alone', async () => {
    const { w, homes } = setUp();
    const { id } = w.requests.seed({ status: 'ACTIVE' });
    await homes.refresh(id);
    expect(w.announcements.homesPublished).toEqual(['UDEV']);
  });

  test('every announced change asks for it', async () => {
    const { w } = setUp();
    const { id } = w.requests.seed();
    await approveRequest(w)(id, 'UMGR1');
    expect(w.announcements.homesRefreshed).toEqual([id]);
  });
});
