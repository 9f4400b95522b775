import { escalateOverdueReviews, reviewBreakGlass, submitBreakGlass } from '../../../src/app/break-glass';
import { grantOrFail } from '../../../src/app/grants';
import type { BreakGlass, Catalog } from '../../../src/domain/catalog';
import { fakeWorld, NOT_FINAL, TEST_CATALOG } from '../../support/fakes';

const breakGlass: BreakGlass = { maxDurationSeconds: 1800, reviewers: { users: ['UMGR1'], groups: ['SREVIEW'] }, reviewWithinSeconds: 900 };
const catalog: Catalog = {
  ...TEST_CATALOG,
  resources: TEST_CATALOG.resources.map((r) => ({ ...r, levels: r.levels.map((l) => (l.id === 'write' ? { ...l, breakGlass } : l)) })),
};
const glass = { resourceId: 'orders-db', levelId: 'write', duration: '20m', reason: 'INC-7 orders are failing' };

function setUp() {
  const w = fakeWorld(catalog);
  return { w, submit: submitBreakGlass(w), review: reviewBreakGlass(w), escalate: escalateOverdueReviews(w) };
}

describe('submitBreakGlass', () => {
  test('stored approved, marked break-glass with its review time, audited as such, granted and announced at once', async () => {
    const { w, submit } = setUp();
    const request = await submit('UDEV', glass);
    expect(request).toMatchObject({
      status: 'APPROVED',
      breakGlass: true,
      targetIdentity: 'dev',
      durationSeconds: 1200,
      approvalsRequired: 0,
    });
    expect(request.reviewDueAt).toEqual(new Date(w.clock.now().getTime() + 900_000));
    expect(w.schedule.grants).toEqual([request.id]);
    expect(w.schedule.pendingTimeouts).toEqual([]);
    expect(w.announcements.said).toEqual([`sync #${request.id}`, 'audit 1']);
    expect(w.audit.events[0]).toMatchObject({
      actor: 'UDEV',
      action: 'break_glass',
      detail: { reason: 'INC-7 orders are failing', identity: 'dev' },
    });

    // The grant job takes it from there as from any approval.
    await grantOrFail(w)(request.id, NOT_FINAL);
    expect((await w.requests.get(request.id))?.status).toBe('ACTIVE');
  });

  test('refused, with nothing stored, where the level does not allow it', async () => {
    const { w, submit } = setUp();
    await expect(submit('UDEV', { ...glass, levelId: 'read-only' })).rejects.toThrow(/does not allow break-glass/);
    expect(w.audit.events).toEqual([]);
    expect(w.schedule.grants).toEqual([]);
  });

  test('only a requester the level lists', async () => {
    const w = fakeWorld({
      ...TEST_CATALOG,
      resources: TEST_CATALOG.resources.map((r) => ({ ...r, levels: r.levels.map((l) => ({ ...l, breakGlass })) })),
    });
    await expect(submitBreakGlass(w)('UOTHER', { ...glass, resourceId: 'flags', levelId: 'toggle' })).rejects.toThrow(
      /only its listed requesters/,
    );
    expect(w.schedule.grants).toEqual([]);
  });

  test('its own rate limit counts break-glass grants only', async () => {
    const { w, submit } = setUp();
    w.requests.seed({ requesterId: 'UDEV' });
    w.requests.seed({ requesterId: 'UDEV' });
    await submit('UDEV', glass);
    await submit('UDEV', glass);
    await expect(submit('UDEV', glass)).rejects.toThrow(/You have made 2 break-glass grants in the last 1d; the limit is 2/);
    expect(w.schedule.grants).toHaveLength(2);
  });
});

describe('reviewBreakGlass', () => {
  test('a reviewer reviews once, audited; a second review is refused', async () => {
    const { w, submit, review } = setUp();
    const { id } = await submit('UDEV', glass);
    w.announcements.said.length = 0;
    const reviewed = await review(id, 'UMGR1', ' checked ');
    expect(reviewed).toMatchObject({ reviewedBy: 'UMGR1', reviewComment: 'checked' });
    expect(w.audit.events.at(-1)).toMatchObject({ actor: 'UMGR1', action: 'break_glass_reviewed', detail: { reason: 'checked' } });
    expect(w.announcements.said).toEqual([`sync #${id}`, `audit ${w.audit.events.at(-1)!.id}`]);
    await expect(review(id, 'UMGR1', 'again')).rejects.toThrow(/already reviewed by <@UMGR1>/);
  });

  test('the requester never reviews, even in the reviewers’ group; the refusal is audited', async () => {
    const { w, submit, review } = setUp();
    const { id } = await submit('UDEV', glass);
    w.directory.memberships.set('UDEV', ['SREVIEW']);
    await expect(review(id, 'UDEV', 'fine')).rejects.toThrow(/cannot review your own/);
    expect(w.audit.events.at(-1)).toMatchObject({ actor: 'UDEV', action: 'refused' });
    expect((await w.requests.get(id))?.reviewedAt).toBeNull();
  });

  test('an ordinary request has nothing to review', async () => {
    const { w, review } = setUp();
    const { id } = w.requests.seed({ level: 'write', status: 'ACTIVE' });
    await expect(review(id, 'UMGR1', 'checked')).rejects.toThrow(/not a break-glass grant/);
  });
});

describe('escalateOverdueReviews', () => {
  test('escalates an unreviewed grant once after its review time, and asks again for a post not yet sent', async () => {
    const { w, submit, escalate } = setUp();
    const { id } = await submit('UDEV', glass);
    const reviewedInTime = await submit('UDEV', glass);
    await reviewBreakGlass(w)(reviewedInTime.id, 'UMGR1', 'checked');
    expect(await escalate()).toBe(0);

    w.clock.advance(900_000);
    w.announcements.said.length = 0;
    expect(await escalate()).toBe(1);
    expect(w.audit.events.filter((e) => e.action === 'break_glass_escalated').map((e) => e.requestId)).toEqual([id]);
    expect(w.announcements.said).toEqual([`sync #${id}`, `audit ${w.audit.events.at(-1)!.id}`, `escalate review #${id}`]);

    // The post was not sent yet: the next pass asks for it again, without escalating twice.
    w.announcements.said.length = 0;
    expect(await escalate()).toBe(0);
    expect(w.announcements.said).toEqual([`escalate review #${id}`]);
    await w.requests.markReviewEscalationSent(id);
    w.announcements.said.length = 0;
    expect(await escalate()).toBe(0);
    expect(w.announcements.said).toEqual([]);
  });
});
