import { Client } from 'pg';
import { Harness } from '../support/harness';

/**
 * Sessions end at revoke: a grantee who opened a session during the grant and made the level role its
 * current role (SET ROLE keeps it after the membership is gone) loses that session at the expiry, and the
 * audit row says `verified: removed` only once nothing holds the access any more.
 */
describe('a session opened during the grant at the expiry', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start();
  });

  afterAll(async () => {
    await h.stop();
  });

  test('a session that ran SET ROLE to the level role during the grant is ended at the expiry', async () => {
    const id = await h.requestAccess('read-only 4s keeping a session open');
    await h.clickAndReply(h.users.manager1, id);
    await h.waitForApprovalMessage(id, 'active until');

    const session = new Client({ connectionString: h.targetUrl(h.roles.login) });
    // The expiry ends the session from the server's side; its next query reports it instead.
    session.on('error', () => undefined);
    await session.connect();
    try {
      await session.query(`SET ROLE ${h.roles.read}`);
      await expect(session.query('SELECT item FROM orders')).resolves.toMatchObject({ rows: [{ item: 'widget' }] });

      await h.waitForApprovalMessage(id, 'Ended at its expiry', 20_000);
      await expect(session.query('SELECT item FROM orders')).rejects.toThrow(/terminat|connection error/);
      const expired = await h.db.auditEvent.findFirstOrThrow({ where: { requestId: id, action: 'expired' } });
      expect(expired.detail).toEqual({ verified: 'removed' });
    } finally {
      await session.end().catch(() => undefined);
    }
  });
});
