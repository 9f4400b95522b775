import { createDb, type Db } from '../../src/db/client';
import { grantCounts } from '../../src/db/grant-counts';

/** What /metrics reads at each scrape: grants holding access, per resource, level and status, in one query. */
describe('grantCounts', () => {
  let db: Db;
  // A resource of this test alone, so other files' rows in the same database do not count.
  const resourceId = `counts-${Date.now()}`;

  beforeAll(() => {
    db = createDb(process.env.DATABASE_URL!);
  });

  afterAll(() => db.$disconnect());

  const seed = (level: string, status: 'PENDING' | 'ACTIVE' | 'REVOKE_FAILED' | 'EXPIRED', revokeFailedAt: Date | null = null) =>
    db.accessRequest.create({
      data: {
        requesterId: 'UCOUNTS',
        resourceId,
        level,
        targetIdentity: 'alice',
        durationSeconds: 60,
        reason: 'counted',
        approvalsRequired: 1,
        pendingExpiresAt: new Date(),
        status,
        revokeFailedAt,
      },
    });

  it('counts ACTIVE and REVOKE_FAILED grants by resource and level, those failing past the threshold, and nothing else', async () => {
    for (const [level, status] of [
      ['read-only', 'ACTIVE'],
      ['read-only', 'ACTIVE'],
      ['read-only', 'EXPIRED'],
      ['write', 'REVOKE_FAILED'],
      ['write', 'PENDING'],
    ] as const)
      await seed(level, status, status === 'REVOKE_FAILED' ? new Date(Date.now() - 60_000) : null);
    await seed('write', 'REVOKE_FAILED', new Date(Date.now() - 3600_000));

    const mine = (await grantCounts(db, 900)).filter((count) => count.resourceId === resourceId);

    expect(mine).toHaveLength(3);
    expect(mine).toEqual(
      expect.arrayContaining([
        { resourceId, level: 'read-only', status: 'ACTIVE', count: 2 },
        { resourceId, level: 'write', status: 'REVOKE_FAILED', count: 2 },
        { resourceId, level: 'write', status: 'REVOKE_FAILED_OVERDUE', count: 1 },
      ]),
    );
  });
});
