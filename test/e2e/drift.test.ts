import { guarantee } from '../support/guarantees';
import { CHANNELS, grantAccess, useHarness } from '../support/harness';

/** Access found in a target that no live grant covers is reported in the audit channel. */
describe(guarantee(4), () => {
  const h = useHarness({ env: { DRIFT_CHECK_INTERVAL_SECONDS: '1' } });

  test('the drift check reports a role granted by hand; one held by a live grant is not', async () => {
    await grantAccess(h, { reason: 'drift' });
    await h.target.grantWriteByHand();

    const { login, write } = h.target.roles;
    const line = await h.waitForText(CHANNELS.audit, '*drift found*', 20_000);
    expect(line).toContain(`${login}→${write} holds write on orders-db with no live grant`);
    const drifts = await h.db.auditEvent.findMany({ where: { action: 'drift_found' } });
    expect(drifts.map((d) => (d.detail as { access: string }).access)).toEqual([`${login}→${write}`]);
  });
});
