import { Client } from 'pg';
import { guarantee } from '../support/guarantees';
import { grantAccess, useHarness } from '../support/harness';

/**
 * Sessions end at revoke: a grantee who opened a session during the grant and made the level role its
 * current role (SET ROLE keeps it after the membership is gone) loses that session at the expiry, and the
 * audit row says `verified: removed` only once nothing holds the access any more.
 */
describe(guarantee(12), () => {
  const h = useHarness();

  test('a session that ran SET ROLE to the level role during the grant is ended at the expiry', async () => {
    const id = await grantAccess(h, { duration: '4s', reason: 'keeping a session open' });

    const session = new Client({ connectionString: h.target.url(h.target.roles.login) });
    // The expiry ends the session from the server's side; its next query reports it instead.
    session.on('error', () => undefined);
    await session.connect();
    try {
      await session.query(`SET ROLE ${h.target.roles.read}`);
      await expect(session.query('SELECT item FROM orders')).resolves.toMatchObject({ rows: [{ item: 'widget' }] });

      await h.waitForApprovalMessage(id, 'Ended at its expiry', 20_000);
      await expect(session.query('SELECT item FROM orders')).rejects.toThrow(/terminat|connection error/);
      expect(await h.auditDetail(id, 'expired')).toEqual({ verified: 'removed' });
    } finally {
      await session.end().catch(() => undefined);
    }
  });
});
