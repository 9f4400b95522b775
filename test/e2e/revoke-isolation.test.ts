import { guarantee } from '../support/guarantees';
import { approve, grantAccess, requestAccess, useHarness } from '../support/harness';

/**
 * A revoke never waits behind other work. Here a grant job is stuck sending its access DM (Slack answers
 * 429 with a long Retry-After) while the worker has one slot per queue; an earlier grant falls due
 * meanwhile and must still end at its expiry.
 */
describe(guarantee(5), () => {
  const h = useHarness({ env: { WORKER_CONCURRENCY: '1' }, reconcileIntervalSeconds: 3600 });

  test('a grant stuck on Slack does not hold back the revoke of another grant', async () => {
    const stuck = await requestAccess(h, { reason: 'stuck on Slack' });
    const due = await grantAccess(h, { duration: '8s', reason: 'falls due' });

    // Slack rate-limits the next messages for 20 s, three times over; the Slack client then holds every
    // call, the stuck grant's access DM among them, for the whole Retry-After. (Messages, not
    // conversations.open: the developer's DM is known from the first grant's access DM.)
    h.slack.failNext('chat.postMessage', { status: 429, retryAfter: 20 }, 3);
    await approve(h, stuck);
    await h.waitForStatus(stuck, 'ACTIVE');
    // Otherwise the due grant could have ended before anything was stuck, and the test would prove nothing.
    expect(await h.statusOf(due)).toBe('ACTIVE');

    // No clock needed: the due grant must end while the stuck grant's job is still waiting on Slack.
    await h.waitForStatus(due, 'EXPIRED', 90_000);
    expect(h.texts(h.users.dev).filter((t) => t.startsWith(`:key: Your access #${stuck}`))).toEqual([]);
    expect((await h.db.accessRequest.findUniqueOrThrow({ where: { id: stuck } })).accessDeliveredAt).toBeNull();
  }, 120_000);
});
