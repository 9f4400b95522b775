import { canTransition, isFinal, statusesLeadingTo } from '../../../src/domain/lifecycle';

describe('the request state machine', () => {
  test('access ends only from a state that holds it', () => {
    expect(statusesLeadingTo('EXPIRED').sort()).toEqual(['ACTIVE', 'REVOKE_FAILED']);
  });
  test('a decided request cannot be decided again', () => {
    expect(canTransition('DENIED', 'APPROVED')).toBe(false);
    expect(canTransition('APPROVED', 'DENIED')).toBe(false);
    expect(isFinal('DENIED')).toBe(true);
  });
  test('a failing revoke can still end', () => {
    expect(canTransition('ACTIVE', 'REVOKE_FAILED')).toBe(true);
    expect(canTransition('REVOKE_FAILED', 'EXPIRED')).toBe(true);
    expect(isFinal('REVOKE_FAILED')).toBe(false);
  });
});
