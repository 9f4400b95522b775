import { escalateOverdueReviews } from '../../../src/app/break-glass';
import { expirePending } from '../../../src/app/pending';
import { reconcile } from '../../../src/app/reconcile';
import { alertRevokeFailures, resolveRevokeFailure } from '../../../src/app/revoke-failed';
import { requestEarlyRevoke, revokeGrant } from '../../../src/app/revokes';
import type { AccessRequestRecord } from '../../../src/domain/request';
import { fakeWorld, type FakeWorld, grantAccess } from '../../support/fakes';

const MINUTE = 60_000;
const ALERT_SECONDS = 900;
const OPERATOR = { operator: 'alice', reason: 'role revoked by hand in psql' };

/** UDEV's 10-minute grant, past its expiry, whose revoke failed: the target left the access in place. */
async function failedRevoke(w: FakeWorld, fields: Partial<AccessRequestRecord> = {}, early = false): Promise<number> {
  const id = await grantAccess(w, { durationSeconds: 600, ...fields });
  const target = w.targets.target(fields.resourceId ?? 'orders-db');
  if (early) await requestEarlyRevoke(w)(id, 'UDEV');
  else w.clock.advance(10 * MINUTE);
  target.revokeIsIgnored = true;
  await expect(revokeGrant(w)(id)).rejects.toThrow(/still present/);
  target.revokeIsIgnored = false;
  w.announcements.said.length = 0;
  return id;
}

/** What an operator does by hand: the access taken out of the target. */
const removeByHand = (w: FakeWorld, resourceId = 'orders-db') => w.targets.target(resourceId).held.clear();

describe('request resolve: an operator ends a failed revoke whose access was removed by hand', () => {
  test('while the access is still there it refuses, saying so, and changes nothing', async () => {
    const w = fakeWorld();
    const id = await failedRevoke(w);
    const before = await w.requests.get(id);
    const events = w.audit.events.length;
    await expect(resolveRevokeFailure(w)(id, OPERATOR)).rejects.toMatchObject({
      code: 'ACCESS_STILL_HELD',
      message: expect.stringMatching(new RegExp(`^Request #${id}: dev still holds read-only on orders-db .*Nothing was changed\\.$`)),
    });
    expect(await w.requests.get(id)).toEqual(before);
    expect(w.audit.events).toHaveLength(events);
    expect(w.announcements.said).toEqual([]);
  });

  test('once it is gone: EXPIRED, audited as revoke_resolved by the operator, announced; the queued revoke finds nothing to do', async () => {
    const w = fakeWorld();
    const id = await failedRevoke(w);
    removeByHand(w);
    const { request, auditEventId } = await resolveRevokeFailure(w)(id, OPERATOR);
    expect(request).toMatchObject({ status: 'EXPIRED', endedAt: w.clock.now(), failureReason: null, endedBy: null });
    expect(w.audit.events.at(-1)).toMatchObject({
      id: auditEventId,
      actor: 'alice',
      action: 'revoke_resolved',
      detail: { reason: OPERATOR.reason, verified: 'removed', manual: true },
    });
    expect(w.announcements.said).toEqual([`sync #${id} expired`, `audit ${auditEventId}`]);
    expect(w.announcements.homesRefreshed).toContain(id);
    await expect(revokeGrant(w)(id)).resolves.toBe('nothing_to_do');
  });

  test('after an early revoke it ends REVOKED, as the revoke would have', async () => {
    const w = fakeWorld();
    const id = await failedRevoke(w, {}, true);
    removeByHand(w);
    const { request } = await resolveRevokeFailure(w)(id, OPERATOR);
    expect(request).toMatchObject({ status: 'REVOKED', endedBy: 'UDEV' });
    expect(w.announcements.said[0]).toBe(`sync #${id} revoked`);
  });

  test('the DM that carried a one-time secret is cleared, as after any end', async () => {
    const w = fakeWorld();
    w.targets.target('flags').oneTimeSecret = 'pw';
    const id = await failedRevoke(w, { resourceId: 'flags', level: 'toggle' });
    removeByHand(w, 'flags');
    await resolveRevokeFailure(w)(id, OPERATOR);
    expect(w.announcements.said).toContain(`clear secret #${id}`);
  });

  test.each([
    ['ACTIVE', 'active'],
    ['EXPIRED', 'expired'],
    ['PENDING', 'pending'],
  ] as const)('a request %s is refused with its state named, and nothing changes', async (status, words) => {
    const w = fakeWorld();
    const { id } = w.requests.seed({ status, expiresAt: w.clock.now() });
    await expect(resolveRevokeFailure(w)(id, OPERATOR)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: `Request #${id} is ${words}: only a request whose revoke failed can be resolved. Nothing was changed.`,
    });
    expect((await w.requests.get(id))?.status).toBe(status);
    expect(w.audit.events).toHaveLength(0);
  });

  test('an unknown request is refused', async () => {
    await expect(resolveRevokeFailure(fakeWorld())(99, OPERATOR)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('a revoke failing too long is alerted in the audit channel, once per interval, until it ends', () => {
  function setUp() {
    const w = fakeWorld();
    const pass = reconcile({
      ...w,
      expirePending: expirePending(w),
      escalateReviews: escalateOverdueReviews(w),
      alertRevokeFailures: alertRevokeFailures({ ...w, thresholdSeconds: ALERT_SECONDS }),
      intervalSeconds: 30,
    });
    const alerts = () => w.audit.events.filter((e) => e.action === 'revoke_failed_alert');
    return { w, pass, alerts };
  }

  test('the first alert after the threshold, then one per threshold however many passes run; none after resolve', async () => {
    const { w, pass, alerts } = setUp();
    const id = await failedRevoke(w);
    expect((await w.requests.get(id))?.revokeFailedAt).toEqual(w.clock.now());

    // Passes every 30 s for 14 minutes: not yet.
    for (let t = 0; t < 28; t++) {
      w.clock.advance(30_000);
      await pass();
    }
    expect(alerts()).toHaveLength(0);

    w.clock.advance(MINUTE);
    const report = await pass();
    expect(report.revokeFailuresAlerted).toBe(1);
    expect(alerts()).toEqual([
      expect.objectContaining({
        requestId: id,
        actor: 'system',
        detail: {
          failingSeconds: ALERT_SECONDS,
          reason: expect.stringContaining(`failed for 15m (the access was still present when read back after the revoke)`),
        },
      }),
    ]);
    expect((alerts()[0]!.detail as { reason: string }).reason).toContain(`prod-access request resolve ${id} --reason`);
    expect(w.announcements.said).toContain(`audit ${alerts()[0]!.id}`);

    // Two passes at once (two workers) and every pass of the next interval: still one alert.
    await Promise.all([pass(), pass()]);
    for (let t = 0; t < 29; t++) {
      w.clock.advance(30_000);
      await pass();
    }
    expect(alerts()).toHaveLength(1);
    w.clock.advance(30_000);
    await pass();
    expect(alerts()).toHaveLength(2);
    expect(alerts()[1]!.detail).toMatchObject({ failingSeconds: 2 * ALERT_SECONDS });

    removeByHand(w);
    await resolveRevokeFailure(w)(id, OPERATOR);
    w.clock.advance(3 * ALERT_SECONDS * 1000);
    expect((await pass()).revokeFailuresAlerted).toBe(0);
    expect(alerts()).toHaveLength(2);
  });

  test('a revoke that succeeds on a retry stops the alerts too', async () => {
    const { w, pass, alerts } = setUp();
    const id = await failedRevoke(w);
    w.clock.advance(ALERT_SECONDS * 1000);
    await pass();
    await revokeGrant(w)(id);
    w.clock.advance(ALERT_SECONDS * 1000);
    await pass();
    expect(alerts()).toHaveLength(1);
    expect((await w.requests.get(id))?.status).toBe('EXPIRED');
  });
});
