import { guarantee } from '../support/guarantees';
import { pause, requestAccess, useHarness } from '../support/harness';

/** Two web and two worker processes on one PostgreSQL and one Redis behave as one. */
describe(guarantee(6), () => {
  const h = useHarness({ role: 'none', reconcileIntervalSeconds: 1 });

  beforeAll(async () => {
    await Promise.all([h.spawn('web'), h.spawn('web'), h.spawn('worker'), h.spawn('worker')]);
  }, 120_000);

  /** Both managers click Approve at the same moment, each through a different web replica. */
  function clickTogether(id: number) {
    const webs = h.processes.filter((p) => p.role === 'web');
    return Promise.all([h.users.manager1, h.users.manager2].map((user, i) => h.click(user, id, { endpoint: webs[i]!.endpoint })));
  }

  test.each([
    ['read-only', 'a one-approval level'],
    ['write', 'a two-approval level'],
  ])('two approvers clicking at once on %s (%s): one approval of the request, one grant, one revoke', async (level) => {
    const id = await requestAccess(h, { level, duration: '5s', reason: 'replicas' });
    expect((await clickTogether(id)).map((r) => r.status)).toEqual([200, 200]);
    await h.waitForApprovalMessage(id, 'Ended at its expiry', 30_000);
    const actions = await h.auditActions(id);
    expect(actions.filter((a) => a === 'approved')).toHaveLength(1);
    expect(actions.filter((a) => a === 'granted')).toHaveLength(1);
    expect(actions.filter((a) => a === 'expired')).toHaveLength(1);
    expect(await h.target.developerCanRead()).toBe(false);
    // Both workers and the reconciler (every second) scheduled this revoke; it exists, and ran, once.
    const revokes = (await h.redis.queue('revoke').getJobs(['completed', 'delayed', 'waiting', 'active'])).filter(
      (j) => j.name === 'revoke' && (j.data as { requestId: number }).requestId === id,
    );
    expect(revokes).toHaveLength(1);
  });

  test('the reconciler runs once per interval however many workers run', async () => {
    const since = Date.now();
    await pause(5000);
    const runs = (await h.redis.queue('access').getJobs(['completed'], 0, 200)).filter(
      (j) => j.name === 'reconcile' && (j.processedOn ?? 0) >= since,
    );
    // A run's id names its slot of the schedule (repeat:reconcile:<ms>): slots one interval apart, none run twice.
    const slots = runs.map((j) => Number(j.id!.split(':').pop())).sort((a, b) => a - b);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    slots.slice(1).forEach((slot, i) => expect(slot - slots[i]!).toBeGreaterThanOrEqual(1000));
  });
});
