import { createDb, type Db } from '../../src/db/client';
import { AuditChain } from '../../src/db/audit-chain';
import { PrismaRequestStore } from '../../src/db/request-store';
import { AUDIT_KEY } from '../support/databases';
import { silentLogger } from '../support/logs';

const chain = new AuditChain(AUDIT_KEY);

/** The reconciler's batches: when more is due than one pass takes, the most urgent comes first. */
describe('PrismaRequestStore.due', () => {
  let db: Db;
  let requests: PrismaRequestStore;
  const requesterId = `UDUE${Date.now()}`;

  beforeAll(() => {
    db = createDb(process.env.DATABASE_URL!);
    requests = new PrismaRequestStore(db, chain, silentLogger);
  });

  afterAll(() => db.$disconnect());

  async function activeGrant(expiresAt: Date, status: 'ACTIVE' | 'REVOKE_FAILED' = 'ACTIVE'): Promise<number> {
    const request = await db.accessRequest.create({
      data: {
        requesterId,
        resourceId: 'orders-db',
        level: 'read-only',
        targetIdentity: 'alice',
        durationSeconds: 60,
        reason: 'batch order',
        approvalsRequired: 1,
        pendingExpiresAt: expiresAt,
        status,
        grantedAt: expiresAt,
        expiresAt,
      },
    });
    return request.id;
  }

  it('returns the most overdue grants first, whatever order they were created in', async () => {
    // Far in the past, so no other test file's grants are more overdue than these.
    const recent = await activeGrant(new Date('2000-01-03T00:00:00Z'));
    const oldest = await activeGrant(new Date('2000-01-01T00:00:00Z'), 'REVOKE_FAILED');
    const older = await activeGrant(new Date('2000-01-02T00:00:00Z'));

    const due = await requests.due(new Date(), new Date(), 2);

    expect(due.pastExpiry).toEqual([oldest, older]);
    expect(due.pastExpiry).not.toContain(recent);
  });

  it('returns the grants expiring soonest first', async () => {
    const now = new Date('1999-06-01T00:00:00Z');
    const later = await activeGrant(new Date('1999-06-01T00:00:30Z'));
    const sooner = await activeGrant(new Date('1999-06-01T00:00:10Z'));

    const due = await requests.due(now, new Date('1999-06-01T00:01:00Z'), 10);

    expect(due.expiringSoon.map((grant) => grant.id)).toEqual([sooner, later]);
  });
});

/** Guarantee 6 at its narrowest: approvals racing from two replicas (two connection pools) on one row. */
describe('PrismaRequestStore.approve under a race', () => {
  const replicas = [createDb(process.env.DATABASE_URL!), createDb(process.env.DATABASE_URL!)];
  const [one, two] = replicas.map((db) => new PrismaRequestStore(db, chain, silentLogger)) as [PrismaRequestStore, PrismaRequestStore];
  const db = replicas[0]!;

  afterAll(() => Promise.all(replicas.map((r) => r.$disconnect())));

  async function pending(approvalsRequired: number): Promise<number> {
    const request = await db.accessRequest.create({
      data: {
        requesterId: 'URACEDEV',
        resourceId: 'orders-db',
        level: approvalsRequired === 1 ? 'read-only' : 'write',
        targetIdentity: 'alice',
        durationSeconds: 60,
        reason: 'racing approvers',
        approvalsRequired,
        pendingExpiresAt: new Date(Date.now() + 3600_000),
      },
    });
    return request.id;
  }

  it.each([1, 2])('two approvers at once, %i approval(s) needed: the request is approved exactly once', async (approvalsRequired) => {
    const ids = await Promise.all(Array.from({ length: 40 }, () => pending(approvalsRequired)));
    const now = new Date();
    await Promise.all(ids.flatMap((id) => [one.approve(id, 'URACEMGRA', now), two.approve(id, 'URACEMGRB', now)]));

    const requests = await db.accessRequest.findMany({ where: { id: { in: ids } } });
    expect(requests.map((r) => r.status)).toEqual(ids.map(() => 'APPROVED'));
    const approvals = await db.auditEvent.groupBy({
      by: ['requestId'],
      where: { requestId: { in: ids }, action: 'approved' },
      _count: true,
    });
    expect(approvals.map((a) => a._count)).toEqual(ids.map(() => 1));
    const recorded = await db.decision.count({ where: { requestId: { in: ids } } });
    // One approval is enough: the second approver finds the request already decided and records nothing.
    expect(recorded).toBe(ids.length * approvalsRequired);
  });
});

describe('PrismaRequestStore under a busy pool', () => {
  const db = createDb(process.env.DATABASE_URL!);
  const requests = new PrismaRequestStore(db, chain, silentLogger);

  afterAll(() => db.$disconnect());

  it('an approval waits for a connection held by others for 3 s instead of being dropped', async () => {
    const { id } = await db.accessRequest.create({
      data: {
        requesterId: 'UBUSYDEV',
        resourceId: 'orders-db',
        level: 'read-only',
        targetIdentity: 'alice',
        durationSeconds: 60,
        reason: 'busy pool',
        approvalsRequired: 1,
        pendingExpiresAt: new Date(Date.now() + 3600_000),
      },
    });
    // node-postgres pools 10 connections by default: take them all.
    const settled: string[] = [];
    const holders = Array.from({ length: 10 }, () =>
      db.$transaction((tx) => tx.$executeRaw`SELECT pg_sleep(3)`).then(() => settled.push('holder')),
    );
    const approval = requests.approve(id, 'UBUSYMGR', new Date()).finally(() => settled.push('approval'));
    await Promise.all(holders);
    await expect(approval).resolves.toMatchObject({ outcome: { kind: 'approved' } });
    // It did wait: it could start only once a holder let go of its connection.
    expect(settled.indexOf('approval')).toBeGreaterThan(settled.indexOf('holder'));
  });
});

/** The rate limit at its narrowest: one requester's requests racing through two replicas' pools. */
describe('PrismaRequestStore.create under a race', () => {
  const replicas = [createDb(process.env.DATABASE_URL!), createDb(process.env.DATABASE_URL!)];
  const [one, two] = replicas.map((db) => new PrismaRequestStore(db, chain, silentLogger)) as [PrismaRequestStore, PrismaRequestStore];
  const db = replicas[0]!;

  afterAll(() => Promise.all(replicas.map((r) => r.$disconnect())));

  it('20 requests at once under a limit of 3 store exactly 3, each with its audit row', async () => {
    const requesterId = `URATE${Date.now()}`;
    const since = new Date(Date.now() - 600_000);
    const quota = {
      since,
      admit: (recent: number) => {
        if (recent >= 3) throw new Error(`over the limit: ${recent}`);
      },
    };
    const data = {
      requesterId,
      resourceId: 'orders-db',
      level: 'read-only',
      targetIdentity: 'alice',
      durationSeconds: 60,
      reason: 'racing requests',
      ticketUrl: null,
      approvalsRequired: 1,
      pendingExpiresAt: new Date(Date.now() + 3600_000),
      startsAt: null,
      extendsRequestId: null,
    };
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, n) => (n % 2 ? one : two).create(data, { actor: requesterId, action: 'requested' }, quota)),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(await db.accessRequest.count({ where: { requesterId } })).toBe(3);
    expect(await db.auditEvent.count({ where: { actor: requesterId, action: 'requested' } })).toBe(3);
  });
});

/** A decision never outlives the pending timeout, whether or not the job that times requests out has run. */
describe('PrismaRequestStore decisions past the pending timeout', () => {
  const db = createDb(process.env.DATABASE_URL!);
  const requests = new PrismaRequestStore(db, chain, silentLogger);

  afterAll(() => db.$disconnect());

  const overdue = async () =>
    (
      await db.accessRequest.create({
        data: {
          requesterId: 'ULATEDEV',
          resourceId: 'orders-db',
          level: 'read-only',
          targetIdentity: 'alice',
          durationSeconds: 60,
          reason: 'decided too late',
          approvalsRequired: 1,
          pendingExpiresAt: new Date(Date.now() - 3000),
        },
      })
    ).id;

  it.each([
    ['an approval', (id: number) => requests.approve(id, 'ULATEMGR', new Date())],
    ['a denial', (id: number) => requests.deny(id, 'ULATEMGR', null, new Date())],
  ])('%s times the request out instead, with its audit row, and records no decision', async (_, decide) => {
    const id = await overdue();
    await decide(id);
    const request = await db.accessRequest.findUniqueOrThrow({ where: { id } });
    expect(request).toMatchObject({ status: 'TIMED_OUT', decidedAt: expect.any(Date) });
    const audit = await db.auditEvent.findMany({ where: { requestId: id } });
    expect(audit.map((row) => [row.actor, row.action])).toEqual([['system', 'timed_out']]);
    expect(await db.decision.count({ where: { requestId: id } })).toBe(0);
  });
});
