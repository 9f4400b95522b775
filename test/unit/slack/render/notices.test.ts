import type { Resource } from '../../../../src/domain/catalog';
import type { AccessRequestRecord } from '../../../../src/domain/request';
import { accessDelivered, auditLine } from '../../../../src/slack/render/notices';

const request = {
  id: 42,
  level: 'read-only',
  durationSeconds: 600,
  expiresAt: new Date('2026-11-29T12:10:00Z'),
} as AccessRequestRecord;
const resource = { id: 'orders-db', name: 'Orders database' } as Resource;
const lines = ['Host: db.internal', 'User: alice_pa42'];

describe('the access DM', () => {
  test('shows the one-time password once, with the instructions', () => {
    const dm = accessDelivered(request, resource, lines, { secret: 's3cret-once' });
    expect(dm).toContain('• Host: db.internal\n• User: alice_pa42');
    expect(dm).toContain('Password (shown once, never stored): `s3cret-once`');
  });

  test('sent again after the first was lost, says the password is gone and how to get a new one', () => {
    const dm = accessDelivered(request, resource, lines, { secretLost: true });
    expect(dm).toContain('• User: alice_pa42');
    expect(dm).not.toContain('Password (shown once');
    expect(dm).toContain('The one-time password could not be delivered and is kept nowhere');
    expect(dm).toContain('`/prod-access revoke 42`');
  });

  test('without a password, there is nothing to say about one', () => {
    expect(accessDelivered(request, resource, lines, {})).not.toMatch(/password/i);
  });
});

describe('an audit-channel line', () => {
  const at = new Date('2026-11-29T12:00:00Z');
  const resolved = { ...request, resourceId: 'orders-db', requesterId: 'UDEV' } as AccessRequestRecord;

  test('names a Slack user by a mention, and an operator at the command line by the name given, never as a mention', () => {
    const byOperator = auditLine(
      { action: 'revoke_resolved', actor: 'ops-alice', at, detail: { reason: 'revoked in psql' } },
      resolved,
      null,
    );
    expect(byOperator).toContain(
      '*revoke resolved* #42 read-only on `orders-db` for <@UDEV> by ops-alice (command line): revoked in psql.',
    );
    expect(byOperator).not.toContain('<@ops-alice>');
    expect(auditLine({ action: 'revoked', actor: 'UMGR1', at, detail: {} }, resolved, null)).toContain('by <@UMGR1>.');
    expect(auditLine({ action: 'revoke_resolved', actor: '<!channel>', at, detail: {} }, resolved, null)).not.toContain('<!channel>');
  });
});
