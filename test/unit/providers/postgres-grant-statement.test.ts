import { grantMembershipStatement } from '../../../src/providers/postgres';

describe('the GRANT of a level role in grant-role mode', () => {
  test('on PostgreSQL 16 and later it gives the privileges but not SET ROLE, so a REVOKE reaches every open session', () => {
    expect(grantMembershipStatement('orders_read', 'alice', 160000)).toBe('GRANT "orders_read" TO "alice" WITH INHERIT TRUE, SET FALSE');
    expect(grantMembershipStatement('orders_read', 'alice', 170002)).toBe('GRANT "orders_read" TO "alice" WITH INHERIT TRUE, SET FALSE');
  });

  test('before PostgreSQL 16 there are no membership options: a plain GRANT, and the revoke ends the sessions instead', () => {
    expect(grantMembershipStatement('orders_read', 'alice', 150020)).toBe('GRANT "orders_read" TO "alice"');
  });
});
