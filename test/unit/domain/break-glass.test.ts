import type { AccessLevel, BreakGlass, Catalog } from '../../../src/domain/catalog';
import { authorizeReview, validateBreakGlass, validateReviewComment } from '../../../src/domain/policy';
import { reviewOverdue } from '../../../src/domain/request';
import { TEST_CATALOG } from '../../support/fakes';

const breakGlass: BreakGlass = {
  maxDurationSeconds: 1800,
  reviewers: { users: ['UMGR1'], groups: ['SREVIEW'] },
  reviewWithinSeconds: 3600,
};

/** The test catalog with break-glass allowed on orders-db's write level only. */
const catalog: Catalog = {
  ...TEST_CATALOG,
  resources: TEST_CATALOG.resources.map((r) => ({
    ...r,
    levels: r.levels.map((l): AccessLevel => (r.id === 'orders-db' && l.id === 'write' ? { ...l, breakGlass } : l)),
  })),
};
const input = (fields: Partial<{ resourceId: string; levelId: string; duration: string; reason: string }> = {}) => ({
  resourceId: 'orders-db',
  levelId: 'write',
  duration: '30m',
  reason: 'INC-7 orders are failing',
  ...fields,
});

describe('break-glass rules', () => {
  test('allowed on a level that says so, up to its break-glass maximum', () => {
    expect(validateBreakGlass(catalog, input())).toMatchObject({ durationSeconds: 1800, breakGlass, reason: 'INC-7 orders are failing' });
  });

  test('never on a level that does not allow it', () => {
    expect(() => validateBreakGlass(catalog, input({ levelId: 'read-only' }))).toThrow(/read-only on orders-db does not allow break-glass/);
    expect(() => validateBreakGlass(catalog, input({ resourceId: 'flags', levelId: 'toggle' }))).toThrow(/does not allow break-glass/);
  });

  test('longer than the break-glass maximum is refused, though the level itself allows it', () => {
    expect(() => validateBreakGlass(catalog, input({ duration: '2h' }))).toThrow(
      expect.objectContaining({ code: 'DURATION_TOO_LONG', message: expect.stringMatching(/at most 30m/) }),
    );
  });

  test('the duration and the reason are required, with the same checks as a request', () => {
    expect(() => validateBreakGlass(catalog, input({ duration: '' }))).toThrow(expect.objectContaining({ code: 'INVALID_DURATION' }));
    expect(() => validateBreakGlass(catalog, input({ reason: '   ' }))).toThrow(expect.objectContaining({ code: 'MISSING_REASON' }));
    expect(() => validateBreakGlass(catalog, input({ reason: '<'.repeat(300) }))).toThrow(
      expect.objectContaining({ code: 'MISSING_REASON' }),
    );
    expect(() => validateBreakGlass(catalog, input({ levelId: 'admin' }))).toThrow(expect.objectContaining({ code: 'UNKNOWN_LEVEL' }));
  });

  test('only a listed reviewer reviews, directly or through a group, and never the requester', () => {
    const review =
      (reviewerId: string, groups: string[] = []) =>
      () =>
        authorizeReview(breakGlass, { reviewerId, requesterId: 'UDEV', reviewerGroupIds: new Set(groups) });
    expect(review('UMGR1')).not.toThrow();
    expect(review('UOTHER', ['SREVIEW'])).not.toThrow();
    expect(review('UDEV', ['SREVIEW'])).toThrow(expect.objectContaining({ code: 'SELF_APPROVAL' }));
    expect(review('UOTHER')).toThrow(expect.objectContaining({ code: 'NOT_AUTHORIZED' }));
  });

  test('a review comment is required, within the reason’s limit', () => {
    expect(validateReviewComment('  checked  ')).toBe('checked');
    expect(() => validateReviewComment(' ')).toThrow(/comment is required/);
    expect(() => validateReviewComment('&'.repeat(201))).toThrow(/1000 characters/);
  });

  test('overdue once its review time has passed, unless reviewed or already escalated', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const due = { breakGlass: true, reviewedAt: null, reviewEscalatedAt: null, reviewDueAt: new Date(now.getTime() - 1) };
    expect(reviewOverdue(due, now)).toBe(true);
    expect(reviewOverdue({ ...due, reviewDueAt: new Date(now.getTime() + 1000) }, now)).toBe(false);
    expect(reviewOverdue({ ...due, reviewedAt: now }, now)).toBe(false);
    expect(reviewOverdue({ ...due, reviewEscalatedAt: now }, now)).toBe(false);
    expect(reviewOverdue({ ...due, breakGlass: false }, now)).toBe(false);
  });
});
