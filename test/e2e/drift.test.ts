import { CHANNELS, Harness } from '../support/harness';
import { SERVER_URL, withClient } from '../support/databases';

/** Access found in a target that no live grant covers is reported in the audit channel. */
describe('drift check', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({ env: { DRIFT_CHECK_INTERVAL_SECONDS: '1' } });
  });

  afterAll(async () => {
    await h.stop();
  });

  test('a role granted by hand is reported; one held by a live grant is not', async () => {
    const id = await h.requestAccess(`read-only 10m drift`);
    await h.clickAndReply(h.users.manager1, id);
    await h.waitForApprovalMessage(id, 'active until');
    await withClient(SERVER_URL, (db) => db.query(`GRANT ${h.roles.write} TO ${h.roles.login}`));

    const line = await h.waitForText(CHANNELS.audit, '*drift found*', 20_000);
    expect(line).toContain(`${h.roles.login}→${h.roles.write} holds write on orders-db with no live grant`);
    const drifts = await h.db.auditEvent.findMany({ where: { action: 'drift_found' } });
    expect(drifts.map((d) => (d.detail as { access: string }).access)).toEqual([`${h.roles.login}→${h.roles.write}`]);
  });
});
