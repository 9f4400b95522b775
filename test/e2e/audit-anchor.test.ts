import { PrismaAuditLog } from '../../src/db/audit-log';
import { AuditChain } from '../../src/db/audit-chain';
import { parseAnchor } from '../../src/domain/audit-anchor';
import { AUDIT_KEY, withClient } from '../support/databases';
import { guarantee } from '../support/guarantees';
import { CHANNELS, requestAccess, useHarness } from '../support/harness';

/**
 * The audit chain's head leaves the database on a schedule: the workers post it in the audit channel, where
 * the database's owner cannot reach it, and `audit verify --anchor` then tells a removed tail.
 */
describe(guarantee(10), () => {
  const h = useHarness({ env: { AUDIT_ANCHOR_INTERVAL_SECONDS: '1' } });

  test('the head is posted at an interval, verifies, and tells a tail removed after it', async () => {
    const id = await requestAccess(h, { reason: 'anchoring the chain' });
    const line = await h.waitForText(CHANNELS.audit, 'audit verify --anchor');
    const anchor = parseAnchor(/--anchor ([0-9a-f:]+)/.exec(line)![1]!);
    const requested = await h.db.auditEvent.findFirstOrThrow({ where: { requestId: id, action: 'requested' } });
    expect(anchor.id).toBeGreaterThanOrEqual(requested.id);

    const chain = new AuditChain(AUDIT_KEY);
    const audit = new PrismaAuditLog(h.db);
    expect(await audit.verifyChain(chain, anchor)).toMatchObject({ ok: true });
    // The key is the app's alone: it is in no message the app sent.
    expect(JSON.stringify(h.slack.calls)).not.toContain(AUDIT_KEY);

    // The owner removes the tail while the app goes on writing (it waits for the chain lock the owner takes).
    await withClient(h.databaseUrl, (db) =>
      db.query(`BEGIN; SELECT pg_advisory_xact_lock(hashtext('prod_access.audit_events_chain'));
                ALTER TABLE audit_events DISABLE TRIGGER USER; DELETE FROM audit_events WHERE id >= ${anchor.id};
                ALTER TABLE audit_events ENABLE TRIGGER USER; COMMIT`),
    );
    expect(await audit.verifyChain(chain)).toMatchObject({ ok: true });
    expect(await audit.verifyChain(chain, anchor)).toMatchObject({
      ok: false,
      brokenAt: anchor.id,
      reason: expect.stringMatching(/missing/),
    });
  });
});
