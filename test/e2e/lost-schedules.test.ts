import { guarantee } from '../support/guarantees';
import { grantAccess, requestAccess, useHarness } from '../support/harness';

/** Redis holds schedules only: when it loses them, the reconciler rebuilds them from PostgreSQL. */
describe(guarantee(1), () => {
  const h = useHarness({ reconcileIntervalSeconds: 1, pendingTimeout: '3s' });

  test('after every queue key is deleted, active grants are still revoked and pending requests still time out', async () => {
    const granted = await grantAccess(h, { duration: '4s', reason: 'flush' });
    const pending = await requestAccess(h, { reason: 'nobody decides' });

    await h.redis.clear();

    expect(await h.target.developerCanRead()).toBe(true);
    await h.waitForApprovalMessage(granted, 'Ended at its expiry', 20_000);
    expect(await h.target.developerCanRead()).toBe(false);
    await h.waitForApprovalMessage(pending, 'nobody decided in time', 20_000);
  });
});
