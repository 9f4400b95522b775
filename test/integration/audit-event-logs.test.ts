import { PrismaAccessReviews } from '../../src/db/access-report';
import { AuditChain } from '../../src/db/audit-chain';
import { AuditedTransactions } from '../../src/db/audited-transaction';
import { createDb } from '../../src/db/client';
import { PrismaRequestStore } from '../../src/db/request-store';
import type { RequestStatus } from '../../src/domain/lifecycle';
import { AUDIT_KEY } from '../support/databases';
import { capturingLogger } from '../support/logs';

const chain = new AuditChain(AUDIT_KEY);
const db = createDb(process.env.DATABASE_URL!);

afterAll(() => db.$disconnect());

/** The fields of a line that are not the audit event's own. */
const PINO_FIELDS = ['time', 'pid', 'hostname', 'service'];

function auditLines(lines: Record<string, unknown>[]) {
  return lines
    .filter((line) => line.msg === 'audit event')
    .map((line) => Object.fromEntries(Object.entries(line).filter(([key]) => !PINO_FIELDS.includes(key))));
}

function storeWithLogs() {
  const logs = capturingLogger();
  return { ...logs, store: new PrismaRequestStore(db, chain, logs.logger), audit: () => auditLines(logs.lines()) };
}

async function requestIn(status: RequestStatus, extra: { approvalsRequired?: number } = {}): Promise<number> {
  const now = Date.now();
  const request = await db.accessRequest.create({
    data: {
      requesterId: 'ULOGDEV',
      resourceId: 'orders-db',
      level: 'read-only',
      targetIdentity: 'alice',
      durationSeconds: 60,
      reason: 'the requester wrote this reason',
      approvalsRequired: extra.approvalsRequired ?? 1,
      pendingExpiresAt: new Date(now + 3600_000),
      status,
      ...(status === 'ACTIVE' && { grantedAt: new Date(now), expiresAt: new Date(now + 60_000) }),
    },
  });
  return request.id;
}

describe('each audit row is one log line, written once its transaction has committed', () => {
  test('a transition logs one line: its event, request, action, actor, resource and level, and no reason', async () => {
    const { store, audit, text } = storeWithLogs();
    const id = await requestIn('ACTIVE');

    const recorded = await store.transition(
      id,
      'REVOKED',
      { endedAt: new Date() },
      { actor: 'ULOGMGR', action: 'revoked', detail: { verified: 'removed', reason: 'a reason a person typed' } },
    );

    expect(audit()).toEqual([
      {
        level: 'info',
        msg: 'audit event',
        auditEventId: recorded!.auditEventId.toString(),
        requestId: id,
        action: 'revoked',
        actor: 'ULOGMGR',
        resource: 'orders-db',
        accessLevel: 'read-only',
        detail: { verified: 'removed' },
      },
    ]);
    expect(text()).not.toContain('a reason a person typed');
  });

  test('a compare-and-set another actor won logs nothing', async () => {
    const { store, audit } = storeWithLogs();
    const id = await requestIn('DENIED');

    expect(await store.transition(id, 'REVOKED', {}, { actor: 'ULOGMGR', action: 'revoked' })).toBeNull();
    expect(audit()).toEqual([]);
  });

  test('the line is written after the commit, not when the row is appended', async () => {
    const { logger, lines } = capturingLogger();
    let appended!: () => void;
    const rowAppended = new Promise<void>((resolve) => (appended = resolve));
    let commit!: () => void;
    const committing = new Promise<void>((resolve) => (commit = resolve));

    const running = new AuditedTransactions(db, chain, logger).run(async (_tx, audit) => {
      await audit.append(null, { actor: 'ULOGOPEN', action: 'refused' });
      appended();
      await committing;
    });
    await rowAppended;
    expect(auditLines(lines())).toEqual([]);
    commit();
    await running;
    expect(auditLines(lines())).toMatchObject([{ action: 'refused', actor: 'ULOGOPEN', requestId: null, resource: null }]);
  });

  test('a transaction that fails after the append logs nothing, and keeps no row', async () => {
    const { logger, lines } = capturingLogger();

    const failing = new AuditedTransactions(db, chain, logger).run(async (_tx, audit) => {
      await audit.append(null, { actor: 'ULOGROLLBACK', action: 'refused' });
      throw new Error('the compare-and-set after the append failed');
    });

    await expect(failing).rejects.toThrow('the compare-and-set after the append failed');
    expect(lines()).toEqual([]);
    expect(await db.auditEvent.count({ where: { actor: 'ULOGROLLBACK' } })).toBe(0);
  });

  describe('a store write whose commit fails', () => {
    // Checked at commit, after the append and everything else in the transaction succeeded.
    beforeAll(async () => {
      await db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION test_refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$`);
      await db.$executeRawUnsafe(`CREATE CONSTRAINT TRIGGER test_refuse_at_commit AFTER INSERT ON audit_events
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.actor = 'ULOGREFUSED') EXECUTE FUNCTION test_refuse_at_commit()`);
    });
    afterAll(async () => {
      await db.$executeRawUnsafe('DROP TRIGGER IF EXISTS test_refuse_at_commit ON audit_events');
      await db.$executeRawUnsafe('DROP FUNCTION IF EXISTS test_refuse_at_commit()');
    });

    test('logs nothing, and the request is unchanged', async () => {
      const { store, audit } = storeWithLogs();
      const id = await requestIn('ACTIVE');

      await expect(store.transition(id, 'REVOKED', { endedAt: new Date() }, { actor: 'ULOGREFUSED', action: 'revoked' })).rejects.toThrow(
        /refused at commit/,
      );
      expect(audit()).toEqual([]);
      expect(await db.accessRequest.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'ACTIVE' });
    });
  });

  test('an approval that writes two rows logs two lines, in chain order', async () => {
    const { store, audit } = storeWithLogs();
    const id = await requestIn('PENDING');

    const { auditEventIds } = await store.approve(id, 'ULOGMGR', new Date());

    const about = { requestId: id, actor: 'ULOGMGR', resource: 'orders-db', accessLevel: 'read-only' };
    expect(audit()).toEqual([
      expect.objectContaining({
        ...about,
        auditEventId: auditEventIds[0]!.toString(),
        action: 'approval_recorded',
        detail: { approvals: 1, required: 1 },
      }),
      expect.objectContaining({ ...about, auditEventId: auditEventIds[1]!.toString(), action: 'approved', detail: { approvals: 1 } }),
    ]);
  });

  test('a denial logs its line without the comment the approver wrote', async () => {
    const { store, audit, text } = storeWithLogs();
    const id = await requestIn('PENDING');

    await store.deny(id, 'ULOGMGR', 'not during the freeze, call me', new Date());

    expect(audit()).toMatchObject([{ action: 'denied', requestId: id, resource: 'orders-db', accessLevel: 'read-only' }]);
    expect(audit()[0]).not.toHaveProperty('detail');
    expect(text()).not.toContain('freeze');
  });

  test('a grant logs the event and nothing of the access: the store never holds a secret, and the line names no more than its fields', async () => {
    const { store, audit } = storeWithLogs();
    const id = await requestIn('APPROVED');

    await store.transition(
      id,
      'ACTIVE',
      {
        grantedAt: new Date(),
        expiresAt: new Date(Date.now() + 60_000),
        accessLines: ['psql "host=db user=pa_alice"'],
        accessSecretIssued: true,
      },
      { actor: 'system', action: 'granted', detail: { identity: 'pa_alice', target: 'role pa_read', expiresAt: new Date().toISOString() } },
    );

    const [line] = audit();
    expect(Object.keys(line!).sort()).toEqual(['accessLevel', 'action', 'actor', 'auditEventId', 'level', 'msg', 'requestId', 'resource']);
  });

  test('a row appended by request id alone still names the resource and level, read after the commit', async () => {
    const { store, audit } = storeWithLogs();
    const id = await requestIn('PENDING');

    await store.audit(id, { actor: 'ULOGDEV', action: 'refused', detail: { code: 'NOT_ALLOWED', reason: 'you may not approve' } });

    expect(audit()).toMatchObject([
      { requestId: id, action: 'refused', resource: 'orders-db', accessLevel: 'read-only', detail: { code: 'NOT_ALLOWED' } },
    ]);
  });

  test('the digest and the anchor are logged when written, and not when there was nothing to write', async () => {
    const { logger, lines } = capturingLogger();
    const store = new PrismaRequestStore(db, chain, logger);
    const reviews = new PrismaAccessReviews(db, chain, logger);
    // A window of its own: no digest of it was written before this run.
    const to = new Date(Date.UTC(1990, 0, 1) + (Date.now() % 86_400_000_000));
    const window = { from: new Date(to.getTime() - 3600_000), to, resourceId: null };

    const digest = await reviews.recordDigest(window, 'a summary');
    expect(await reviews.recordDigest(window, 'a summary')).toBeNull();
    const anchored = await store.anchorAudit();
    expect(await store.anchorAudit()).toBeNull();

    expect(auditLines(lines())).toMatchObject([
      { action: 'access_digest', actor: 'system', auditEventId: digest!.toString(), requestId: null, resource: null },
      { action: 'audit_anchored', actor: 'system', auditEventId: anchored!.eventId.toString(), requestId: null, resource: null },
    ]);
  });
});
