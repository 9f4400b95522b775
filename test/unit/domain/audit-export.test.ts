import { type ExportedAuditEvent, OCSF_VERSION, toJsonLine, toOcsf } from '../../../src/domain/audit-export';
import type { AuditAction } from '../../../src/domain/request';

const AT = new Date('2026-12-01T08:30:00.123Z');
const REQUEST = { resourceId: 'orders-db', level: 'read-only', identity: 'alice' };

function event(action: string, overrides: Partial<ExportedAuditEvent> = {}): ExportedAuditEvent {
  return {
    id: 42n,
    at: AT,
    requestId: 7,
    actor: 'U123',
    action,
    detail: { reason: 'incident 12' },
    hash: 'h42',
    prevHash: 'h41',
    request: REQUEST,
    ...overrides,
  };
}

const EVERY_ACTION: AuditAction[] = [
  'requested',
  'approval_recorded',
  'approved',
  'denied',
  'timed_out',
  'granted',
  'grant_failed',
  'expired',
  'revoked',
  'revoke_requested',
  'revoke_failed',
  'refused',
  'drift_found',
  'break_glass',
  'break_glass_reviewed',
  'break_glass_escalated',
  'audit_anchored',
  'identity_conflict',
  'reminded',
  'escalated',
  'expiry_warned',
];

describe('the JSON lines export', () => {
  test('has the same fields in every line, the request joined where there is one', () => {
    expect(toJsonLine(event('granted'))).toEqual({
      id: '42',
      at: '2026-12-01T08:30:00.123Z',
      requestId: 7,
      actor: 'U123',
      action: 'granted',
      detail: { reason: 'incident 12' },
      hash: 'h42',
      prevHash: 'h41',
      resource: 'orders-db',
      level: 'read-only',
      identity: 'alice',
    });
    const anchor = toJsonLine(event('audit_anchored', { requestId: null, request: null, actor: 'system' }));
    expect(Object.keys(anchor)).toEqual(Object.keys(toJsonLine(event('granted'))));
    expect(anchor).toMatchObject({ requestId: null, resource: null, level: null, identity: null });
  });
});

describe('the OCSF export', () => {
  test.each(EVERY_ACTION)('%s is an IAM event with the base fields, type_uid = class_uid * 100 + activity_id', (action) => {
    const ocsf = toOcsf(event(action));
    expect([3001, 3003]).toContain(ocsf.class_uid);
    expect(ocsf.category_uid).toBe(3);
    expect(ocsf.type_uid).toBe(ocsf.class_uid * 100 + ocsf.activity_id);
    expect([1, 2, 3, 4]).toContain(ocsf.severity_id);
    expect([1, 2, 99]).toContain(ocsf.status_id);
    expect(ocsf.time).toBe(AT.getTime());
    expect(ocsf.metadata).toEqual({
      version: OCSF_VERSION,
      product: { name: 'prod-access', vendor_name: 'prod-access' },
      uid: '42',
      correlation_uid: 'request-7',
    });
    expect(ocsf.actor).toEqual({ user: { uid: 'U123', type_id: 1 } });
    expect(ocsf.user).toEqual({ name: 'alice', uid: 'alice' });
    expect(ocsf.dst_endpoint).toEqual({ name: 'orders-db' });
    expect(ocsf.unmapped).toEqual({ action, request_id: 7, detail: { reason: 'incident 12' }, hash: 'h42', prev_hash: 'h41' });
  });

  test('a grant attaches the level as a policy, its end detaches it: Account Change', () => {
    expect(toOcsf(event('granted'))).toMatchObject({
      class_uid: 3001,
      activity_id: 7,
      activity_name: 'Attach Policy',
      type_uid: 300107,
      status_id: 1,
      policy: { name: 'read-only', uid: 'orders-db/read-only' },
    });
    for (const action of ['expired', 'revoked']) {
      expect(toOcsf(event(action))).toMatchObject({ class_uid: 3001, activity_id: 8, type_uid: 300108, status_id: 1 });
    }
    expect(toOcsf(event('revoke_failed'))).toMatchObject({ type_uid: 300108, status_id: 2, severity_id: 4 });
    expect(toOcsf(event('grant_failed'))).toMatchObject({ type_uid: 300107, status_id: 2 });
  });

  test('asking and deciding assign (or not) the level privileges to a session: Authorize Session', () => {
    expect(toOcsf(event('requested'))).toMatchObject({
      class_uid: 3003,
      activity_id: 1,
      activity_name: 'Assign Privileges',
      type_uid: 300301,
      status_id: 99,
      status: 'Pending',
      privileges: ['read-only'],
    });
    expect(toOcsf(event('approved'))).toMatchObject({ type_uid: 300301, status_id: 1, status: 'Success' });
    expect(toOcsf(event('denied'))).toMatchObject({ type_uid: 300301, status_id: 2, status: 'Failure' });
    expect(toOcsf(event('break_glass'))).toMatchObject({ type_uid: 300301, status_id: 1, severity_id: 3 });
    expect(toOcsf(event('requested'))).not.toHaveProperty('policy');
  });

  test('an event without a request has no user; the system actor is typed so; an unknown action is kept as Other', () => {
    const anchor = toOcsf(event('audit_anchored', { requestId: null, request: null, actor: 'system', detail: { anchor: '1:1:ab' } }));
    expect(anchor).toMatchObject({ class_uid: 3003, activity_id: 99, activity_name: 'audit_anchored', type_uid: 300399 });
    expect(anchor).not.toHaveProperty('user');
    expect(anchor.metadata).not.toHaveProperty('correlation_uid');
    expect(anchor.actor).toEqual({ user: { uid: 'system', type_id: 3 } });
    expect(anchor.unmapped.detail).toEqual({ anchor: '1:1:ab' });
    expect(toOcsf(event('from_a_newer_version'))).toMatchObject({
      type_uid: 300399,
      activity_name: 'from_a_newer_version',
      status: 'Unknown action',
    });
    // Not an inherited property of the mapping table either.
    expect(toOcsf(event('toString'))).toMatchObject({ type_uid: 300399 });
  });
});
