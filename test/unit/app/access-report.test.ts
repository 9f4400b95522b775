import { postAccessDigest } from '../../../src/app/access-report';
import type { AccessReviews } from '../../../src/app/ports';
import type { ReportFacts, ReportWindow } from '../../../src/domain/access-report';

/** Reviews over fixed facts, recording each window's digest once, as the database does under the chain's lock. */
function fakeReviews(facts: ReportFacts) {
  const digests = new Map<string, string>();
  const reads: ReportWindow[] = [];
  const reviews: AccessReviews = {
    read: async (window) => {
      reads.push(window);
      return facts;
    },
    recordDigest: async (window, summary) => {
      const key = window.to.toISOString();
      if (digests.has(key)) return null;
      digests.set(key, summary);
      return BigInt(digests.size);
    },
  };
  return { reviews, digests, reads };
}

test("the digest records the last week's review once per window and asks for its audit-channel post", async () => {
  const grantedAt = new Date('2026-11-28T21:00:00Z'); // Saturday 22:00 in Paris
  const { reviews, digests, reads } = fakeReviews({
    holders: [
      {
        resourceId: 'orders-db',
        level: 'read-only',
        requesterId: 'UDEV',
        requests: 1,
        grants: 1,
        heldSeconds: 600,
        breakGlass: 0,
        failedRevokes: 0,
      },
    ],
    approvals: [],
    grants: [{ requestId: 7, resourceId: 'orders-db', level: 'read-only', requesterId: 'UDEV', grantedAt, heldSeconds: 600 }],
  });
  let now = new Date('2026-12-01T10:00:00Z');
  const posted: bigint[][] = [];
  const digest = postAccessDigest({
    reviews,
    clock: { now: () => now },
    catalog: { workingHours: { days: [1, 2, 3, 4, 5], fromMinute: 540, toMinute: 1080, timeZone: 'Europe/Paris' } },
    announcements: { postAudit: async (ids) => void posted.push([...ids]) },
    intervalSeconds: 7 * 86_400,
  });

  expect(await digest()).toEqual({ window: { from: new Date('2026-11-23'), to: new Date('2026-11-30'), resourceId: null }, eventId: 1n });
  expect(reads).toEqual([{ from: new Date('2026-11-23'), to: new Date('2026-11-30'), resourceId: null }]);
  expect(digests.get('2026-11-30T00:00:00.000Z')).toContain('#7 orders-db/read-only granted to UDEV outside working hours');
  expect(posted).toEqual([[1n]]);

  // Run again in the same week (a retry, a second worker): nothing new is recorded or posted.
  now = new Date('2026-12-03T10:00:00Z');
  expect(await digest()).toBeNull();
  expect(posted).toHaveLength(1);
  // The next week has its own.
  now = new Date('2026-12-07T00:00:01Z');
  expect(await digest()).toMatchObject({ window: { to: new Date('2026-12-07') } });
  expect(posted).toHaveLength(2);
});

test('a window nobody asked in records and posts nothing', async () => {
  const { reviews, digests } = fakeReviews({ holders: [], approvals: [], grants: [] });
  const posted: unknown[] = [];
  const digest = postAccessDigest({
    reviews,
    clock: { now: () => new Date('2026-12-01T10:00:00Z') },
    catalog: {},
    announcements: { postAudit: async (ids) => void posted.push(ids) },
    intervalSeconds: 86_400,
  });
  expect(await digest()).toBeNull();
  expect([digests.size, posted.length]).toEqual([0, 0]);
});
