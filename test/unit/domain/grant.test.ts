import { accessKeyOf, catalogSpec, isLive } from '../../../src/domain/grant';
import { FakeClock, FakeRequestStore, TEST_CATALOG } from '../../support/fakes';

const now = new Date('2030-01-01T09:00:00Z');
const later = new Date(now.getTime() + 1);

describe('a live grant', () => {
  test('is applied, not asked back, and before its expiry', () => {
    expect(isLive({ status: 'ACTIVE', endedBy: null, expiresAt: later }, now)).toBe(true);
  });

  test.each([
    ['at its expiry', { status: 'ACTIVE', endedBy: null, expiresAt: now }],
    ['being revoked early', { status: 'ACTIVE', endedBy: 'UDEV', expiresAt: later }],
    ['whose revoke failed', { status: 'REVOKE_FAILED', endedBy: null, expiresAt: later }],
    ['approved, not yet applied', { status: 'APPROVED', endedBy: null, expiresAt: null }],
  ] as const)('is not live %s', (_, request) => {
    expect(isLive(request, now)).toBe(false);
  });
});

test('a grant spec comes from the catalog entry; its access key is per request unless the provider names one', () => {
  const request = new FakeRequestStore(new FakeClock(now)).seed({ level: 'write' });
  const { resource, spec } = catalogSpec(TEST_CATALOG, request, later);
  expect(resource.id).toBe('orders-db');
  expect(spec).toEqual({
    requestId: request.id,
    resourceId: 'orders-db',
    levelId: 'write',
    identity: 'dev',
    target: { role: 'orders_write' },
    expiresAt: later,
  });
  expect(accessKeyOf({}, spec)).toBe(`request ${request.id}`);
  expect(accessKeyOf({ accessKey: (s) => `${s.identity}→${String(s.target.role)}` }, spec)).toBe('dev→orders_write');
  expect(() => catalogSpec(TEST_CATALOG, { ...request, level: 'gone' }, later)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
});
