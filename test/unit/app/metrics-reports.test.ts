import { approveRequest, denyRequest } from '../../../src/app/decisions';
import { checkDrift } from '../../../src/app/drift';
import { escalateOverdueReviews, submitBreakGlass } from '../../../src/app/break-glass';
import { expirePending } from '../../../src/app/pending';
import { reconcile } from '../../../src/app/reconcile';
import { alertRevokeFailures } from '../../../src/app/revoke-failed';
import { submitRequest } from '../../../src/app/requests';
import { requestEarlyRevoke, revokeGrant } from '../../../src/app/revokes';
import { fakeWorld, grantAccess } from '../../support/fakes';

const at = { resourceId: 'orders-db', level: 'read-only' };

describe('what the use-cases report through the Metrics port', () => {
  test('a request stored is submitted; one refused is counted by its code, with nothing of the person', async () => {
    const w = fakeWorld();
    const submit = submitRequest(w);
    await submit('UDEV', { resourceId: 'orders-db', levelId: 'read-only', duration: '30m', reason: 'INC-42' });
    await expect(submit('UDEV', { resourceId: 'orders-db', levelId: 'nope', duration: '30m', reason: 'x' })).rejects.toMatchObject({
      code: 'UNKNOWN_LEVEL',
    });
    expect(w.metrics.reported).toEqual([
      ['requestSubmitted', at],
      ['requestRefused', 'UNKNOWN_LEVEL'],
    ]);
  });

  test('a break-glass request is counted as any other; one on a level without break-glass is refused by its code', async () => {
    const w = fakeWorld();
    await expect(
      submitBreakGlass(w)('UDEV', { resourceId: 'orders-db', levelId: 'read-only', duration: '20m', reason: 'INC-7' }),
    ).rejects.toMatchObject({
      code: 'NOT_AUTHORIZED',
    });
    expect(w.metrics.reported).toEqual([['requestRefused', 'NOT_AUTHORIZED']]);
  });

  test('an approval and a denial are decisions; a refused click is none', async () => {
    const w = fakeWorld();
    const [first, second] = [w.requests.seed({}).id, w.requests.seed({}).id];
    await expect(approveRequest(w)(first, 'UDEV')).rejects.toMatchObject({ code: 'SELF_APPROVAL' });
    await approveRequest(w)(first, 'UMGR1');
    await denyRequest(w)(second, 'UMGR1', 'not now');
    expect(w.metrics.reported.filter(([method]) => method === 'decided')).toEqual([
      ['decided', 'approve'],
      ['decided', 'deny'],
    ]);
  });

  test('a revoke at the expiry reports how late it was against expires_at; an early one reports no lateness', async () => {
    const w = fakeWorld();
    const expiring = await grantAccess(w, { durationSeconds: 600 });
    expect(w.metrics.reported).toEqual([['granted', { ...at, seconds: 0 }]]);
    w.clock.advance(600_000 + 7_000);
    await revokeGrant(w)(expiring);
    expect(w.metrics.reported.at(-1)).toEqual(['revoked', { ...at, seconds: 0, lateSeconds: 7 }]);

    const early = await grantAccess(w, { durationSeconds: 600 });
    await requestEarlyRevoke(w)(early, 'UDEV');
    await revokeGrant(w)(early);
    expect(w.metrics.reported.at(-1)).toEqual(['revoked', { ...at, seconds: 0 }]);
  });

  test('a reconcile pass reports what it re-derived, by kind', async () => {
    const w = fakeWorld();
    w.requests.seed({ status: 'ACTIVE', expiresAt: new Date(w.clock.now().getTime() - 60_000) });
    const pass = reconcile({
      ...w,
      expirePending: expirePending(w),
      escalateReviews: escalateOverdueReviews(w),
      alertRevokeFailures: alertRevokeFailures({ ...w, thresholdSeconds: 900 }),
      intervalSeconds: 30,
    });
    const report = await pass();
    expect(w.metrics.reported).toEqual([['reconciled', report]]);
    expect(report.revokesDue).toBe(1);
  });

  test('drift is reported by resource and level, never by the identity holding it', async () => {
    const w = fakeWorld();
    w.targets.target('orders-db').grantByHand('dev', 'orders_write');
    await checkDrift(w)();
    expect(w.metrics.reported).toEqual([['driftFound', [{ resourceId: 'orders-db', level: 'write' }]]]);
  });
});
