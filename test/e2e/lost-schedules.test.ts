import { clearRedis, Harness } from '../support/harness';

/** Redis holds schedules only: when it loses them, the reconciler rebuilds them from PostgreSQL. */
describe('lost schedules', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({ reconcileIntervalSeconds: 1, pendingTimeout: '3s' });
  });

  afterAll(async () => {
    await h.stop();
  });

  test('after every queue key is deleted, active grants are still revoked and pending requests still time out', async () => {
    const granted = await h.requestAccess(`read-only 4s flush`);
    await h.clickAndReply(h.users.manager1, granted);
    await h.waitForApprovalMessage(granted, 'active until');
    const pending = await h.requestAccess(`read-only 10m nobody decides`);

    await clearRedis(h.redisPrefix);

    await expect(h.queryAsDeveloper('SELECT item FROM orders')).resolves.toHaveLength(1);
    await h.waitForApprovalMessage(granted, 'Ended at its expiry', 20_000);
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).rejects.toThrow(/permission denied/);
    await h.waitForApprovalMessage(pending, 'nobody decided in time', 20_000);
  });
});
