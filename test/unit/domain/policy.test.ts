import type { AccessLevel, Catalog, IdentityRule } from '../../../src/domain/catalog';
import {
  authorizeDecision,
  authorizeEarlyRevoke,
  authorizeExtension,
  authorizeRequester,
  explicitHolder,
  mapIdentity,
  type SlackProfile,
  validateRequest,
} from '../../../src/domain/policy';
import type { AccessRequestRecord } from '../../../src/domain/request';

const level: AccessLevel = {
  id: 'read-only',
  description: '',
  target: { role: 'orders_read' },
  maxDurationSeconds: 4 * 3600,
  defaultDurationSeconds: 3600,
  approvalsRequired: 1,
  approvers: { users: ['UMANAGER'], groups: ['SDBAS'] },
  requesters: null,
  confirmApproval: false,
  reminders: null,
  breakGlass: null,
  warnBeforeSeconds: 600,
  idle: null,
};
const identity: IdentityRule = {
  map: { UALICE: 'alice' },
  fromEmail: 'local-part',
  emailDomains: ['example.com'],
  fromProfileField: null,
  patterns: ['^[a-z_][a-z0-9_]{0,62}$'],
};
const catalog: Catalog = {
  auditChannel: 'CAUDIT',
  pendingTimeoutSeconds: 3600,
  resources: [
    {
      id: 'orders-db',
      name: 'Orders',
      description: '',
      ownersChannel: 'COWNERS',
      provider: { kind: 'postgres', settings: {} },
      identity,
      levels: [level],
    },
  ],
};
/** A profile as Slack gives it, the email confirmed unless said otherwise. */
const profile = (fields: Omit<SlackProfile, 'emailConfirmed'> & { emailConfirmed?: boolean }): SlackProfile => ({
  emailConfirmed: true,
  ...fields,
});
const valid = { resourceId: 'orders-db', levelId: 'read-only', duration: '2h', reason: 'INC-42' };

describe('a request checked against the catalog', () => {
  test('a request within the rules is accepted with its duration in seconds', () => {
    expect(validateRequest(catalog, valid)).toMatchObject({ durationSeconds: 7200, reason: 'INC-42', ticketUrl: null });
  });

  test('an empty duration takes the level default', () => {
    expect(validateRequest(catalog, { ...valid, duration: '' }).durationSeconds).toBe(3600);
  });

  test.each([
    [{ resourceId: 'billing' }, 'UNKNOWN_RESOURCE', /Known resources: orders-db/],
    [{ levelId: 'admin' }, 'UNKNOWN_LEVEL', /Levels: read-only/],
    [{ duration: '5h' }, 'DURATION_TOO_LONG', /at most 4h/],
    [{ duration: 'forever' }, 'INVALID_DURATION', /30m, 2h/],
    [{ reason: '   ' }, 'MISSING_REASON', /reason is required/],
    [{ ticketUrl: 'javascript:alert(1)' }, 'INVALID_TICKET_URL', /http\(s\) URL/],
    [{ ticketUrl: 'https://evil.example/x|https://tickets.example.com/INC-42' }, 'INVALID_TICKET_URL', /no \|, < or >/],
    [{ ticketUrl: 'https://tickets.example.com/<@U123>' }, 'INVALID_TICKET_URL', /no \|, < or >/],
    [{ ticketUrl: 'https://tickets.example.com/a b' }, 'INVALID_TICKET_URL', /no spaces/],
    [{ ticketUrl: 'https://tickets.example.com@evil.example/INC-42' }, 'INVALID_TICKET_URL', /no user name or password/],
    [{ ticketUrl: `https://tickets.example.com/?q=${'&'.repeat(100)}` }, 'INVALID_TICKET_URL', /at most 500 characters/],
    [{ reason: '&'.repeat(1000) }, 'MISSING_REASON', /1000 characters, counted as Slack counts them/],
    [{ reason: 'x'.repeat(1001) }, 'MISSING_REASON', /1000 characters/],
  ])('%j is refused (%s) saying what would be accepted', (change, code, message) => {
    expect(() => validateRequest(catalog, { ...valid, ...change })).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    );
  });
});

test('a reason and a ticket link at their limits are accepted, the link as its parsed URL', () => {
  const reason = `${'a'.repeat(995)}&`;
  const ticketUrl = `https://tickets.example.com/${'x'.repeat(472)}`;
  expect(validateRequest(catalog, { ...valid, reason, ticketUrl })).toMatchObject({ reason, ticketUrl });
  expect(validateRequest(catalog, { ...valid, ticketUrl: 'HTTPS://Tickets.Example.com/INC-42' }).ticketUrl).toBe(
    'https://tickets.example.com/INC-42',
  );
});

describe('identity mapping never guesses', () => {
  test('the explicit map wins', () => {
    expect(mapIdentity(identity, profile({ userId: 'UALICE', email: 'someone@example.com' }))).toBe('alice');
  });
  test('the email local part is used only for listed domains', () => {
    expect(mapIdentity(identity, profile({ userId: 'UBOB', email: 'Bob@Example.com' }))).toBe('bob');
    expect(() => mapIdentity(identity, profile({ userId: 'UEVE', email: 'eve@evil.org' }))).toThrow(
      expect.objectContaining({ code: 'NO_IDENTITY' }),
    );
  });
  test('no email and no map entry is a refusal', () => {
    expect(() => mapIdentity(identity, profile({ userId: 'UX' }))).toThrow(expect.objectContaining({ code: 'NO_IDENTITY' }));
  });
  test('a derived name that is not a valid target name is refused, not quoted into shape', () => {
    expect(() => mapIdentity(identity, profile({ userId: 'UQ', email: 'robert";drop@example.com' }))).toThrow(
      expect.objectContaining({ code: 'INVALID_IDENTITY' }),
    );
  });
  test('rule "none" refuses when the map has no entry', () => {
    expect(() => mapIdentity({ ...identity, fromEmail: 'none' }, profile({ userId: 'UBOB', email: 'bob@example.com' }))).toThrow(
      expect.objectContaining({ code: 'NO_IDENTITY' }),
    );
  });
});

describe('identity cannot be borrowed', () => {
  test('an email rule with no listed domain accepts no address at all', () => {
    expect(() => mapIdentity({ ...identity, emailDomains: [] }, profile({ userId: 'UEVE', email: 'victim@evil.example' }))).toThrow(
      expect.objectContaining({ code: 'NO_IDENTITY' }),
    );
  });
  test.each([
    ['the Kelvin sign, which lower-cases to k', '\u212Aate@example.com'],
    ['a dotless capital I, which lower-cases to i', 'k\u0130m@example.com'],
    ['a Cyrillic a', 'k\u0430te@example.com'],
    ['a look-alike domain', 'kate@ex\u0430mple.com'],
    ['a space', 'ka te@example.com'],
  ])('an email with %s is refused before lower-casing', (_, email) => {
    expect(() => mapIdentity(identity, profile({ userId: 'UEVE', email }))).toThrow(
      expect.objectContaining({ code: 'INVALID_IDENTITY', message: expect.stringMatching(/plain ASCII/) }),
    );
  });
  test('an email Slack has not confirmed names nobody, even in a listed domain', () => {
    expect(() => mapIdentity(identity, profile({ userId: 'UEVE', email: 'kate@example.com', emailConfirmed: false }))).toThrow(
      expect.objectContaining({ code: 'NO_IDENTITY', message: expect.stringMatching(/not confirmed/) }),
    );
  });
  test('the explicit map wins over an unconfirmed email, since the catalog, not the profile, names that person', () => {
    expect(mapIdentity(identity, profile({ userId: 'UALICE', email: 'x@example.com', emailConfirmed: false }))).toBe('alice');
  });
  test('a custom profile field with non-ASCII characters is refused', () => {
    const byField: IdentityRule = { ...identity, fromEmail: 'none', fromProfileField: 'Xf01DBUSER' };
    expect(() => mapIdentity(byField, profile({ userId: 'UEVE', fields: { Xf01DBUSER: '\u212Aate' } }))).toThrow(
      expect.objectContaining({ code: 'INVALID_IDENTITY' }),
    );
  });
  test('the explicit map names who holds an identity, so nobody else derives it', () => {
    expect(explicitHolder(identity, 'alice')).toBe('UALICE');
    expect(explicitHolder(identity, 'bob')).toBeUndefined();
  });
});

describe('who may request', () => {
  const [orders] = catalog.resources;
  const restricted: AccessLevel = { ...level, requesters: { users: ['UALICE'], groups: ['SORDERSDEV'] } };
  test('a level without requesters is open to anyone in the workspace', () => {
    expect(() => authorizeRequester(orders!, level, 'USTRANGER', new Set())).not.toThrow();
  });
  test('a level with requesters accepts listed users and members of listed groups', () => {
    expect(() => authorizeRequester(orders!, restricted, 'UALICE', new Set())).not.toThrow();
    expect(() => authorizeRequester(orders!, restricted, 'UBOB', new Set(['SORDERSDEV']))).not.toThrow();
  });
  test('and refuses everyone else, saying so', () => {
    expect(() => authorizeRequester(orders!, restricted, 'UBOB', new Set(['SOTHER']))).toThrow(
      expect.objectContaining({
        code: 'NOT_AUTHORIZED',
        message: 'You may not request read-only on orders-db: only its listed requesters may. Ask its owners to add you if you need it.',
      }),
    );
  });
});

describe('identity from a custom Slack profile field', () => {
  const byField: IdentityRule = { ...identity, fromEmail: 'none', fromProfileField: 'Xf01DBUSER' };
  test('the field value is the identity', () => {
    expect(mapIdentity(byField, profile({ userId: 'UBOB', email: 'bob@example.com', fields: { Xf01DBUSER: ' bob_db ' } }))).toBe('bob_db');
  });
  test('an empty or missing field is a refusal, not a fall-back to the email', () => {
    const missing: (Record<string, string> | undefined)[] = [{}, { Xf01DBUSER: '  ' }, { XfOTHER: 'bob' }, undefined];
    for (const fields of missing) {
      expect(() => mapIdentity(byField, profile({ userId: 'UBOB', email: 'bob@example.com', fields }))).toThrow(
        expect.objectContaining({ code: 'NO_IDENTITY' }),
      );
    }
  });
});

describe('identity patterns', () => {
  test("the identity must match every pattern: the target kind's and the catalog's narrower one", () => {
    const rule: IdentityRule = { ...identity, patterns: ['^[a-z_][a-z0-9_]{0,62}$', '^[a-z]{1,8}$'] };
    expect(mapIdentity(rule, profile({ userId: 'UBOB', email: 'bob@example.com' }))).toBe('bob');
    expect(() => mapIdentity(rule, profile({ userId: 'UBOB', email: 'bartholomew@example.com' }))).toThrow(
      expect.objectContaining({ code: 'INVALID_IDENTITY', message: expect.stringContaining('^[a-z]{1,8}$') }),
    );
  });
});

describe('who may decide', () => {
  const none = new Set<string>();
  test('the requester can never approve, even as a listed approver or group member', () => {
    const ctx = { approverId: 'UMANAGER', requesterId: 'UMANAGER', approverGroupIds: new Set(['SDBAS']) };
    expect(() => authorizeDecision(level, ctx)).toThrow(expect.objectContaining({ code: 'SELF_APPROVAL' }));
  });
  test('a listed user and a member of a listed group may approve', () => {
    expect(() => authorizeDecision(level, { approverId: 'UMANAGER', requesterId: 'UALICE', approverGroupIds: none })).not.toThrow();
    expect(() =>
      authorizeDecision(level, { approverId: 'UDBA', requesterId: 'UALICE', approverGroupIds: new Set(['SDBAS']) }),
    ).not.toThrow();
  });
  test('anyone else is refused', () => {
    expect(() => authorizeDecision(level, { approverId: 'UOTHER', requesterId: 'UALICE', approverGroupIds: none })).toThrow(
      expect.objectContaining({ code: 'NOT_AUTHORIZED' }),
    );
  });
  test('early revoke: the requester or an approver, nobody else', () => {
    expect(() => authorizeEarlyRevoke(level, 'UALICE', 'UALICE', none)).not.toThrow();
    expect(() => authorizeEarlyRevoke(level, 'UMANAGER', 'UALICE', none)).not.toThrow();
    expect(() => authorizeEarlyRevoke(level, 'UOTHER', 'UALICE', none)).toThrow(expect.objectContaining({ code: 'NOT_AUTHORIZED' }));
  });
});

describe('who may extend what', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  const grant = (patch: Partial<AccessRequestRecord> = {}) =>
    ({
      id: 7,
      requesterId: 'UALICE',
      status: 'ACTIVE',
      endedBy: null,
      expiresAt: new Date('2026-11-29T12:10:00Z'),
      ...patch,
    }) as AccessRequestRecord;

  test('the requester extends their own live grant', () => {
    expect(() => authorizeExtension(grant(), 'UALICE', now)).not.toThrow();
  });
  test('nobody else does, not even an approver', () => {
    expect(() => authorizeExtension(grant(), 'UMANAGER', now)).toThrow(
      expect.objectContaining({ code: 'NOT_AUTHORIZED', message: expect.stringContaining('Only the requester of #7') }),
    );
  });
  test.each([
    [{ status: 'PENDING' as const, expiresAt: null }, 'pending'],
    [{ status: 'EXPIRED' as const }, 'expired'],
    [{ status: 'REVOKE_FAILED' as const }, 'ending now'],
    [{ endedBy: 'UALICE' }, 'being revoked'],
    [{ expiresAt: now }, 'ending now'],
  ])('a grant that is not live (%o) cannot be extended', (patch, state) => {
    expect(() => authorizeExtension(grant(patch), 'UALICE', now)).toThrow(
      expect.objectContaining({
        code: 'INVALID_STATE',
        message: `Request #7 holds no live access to extend (it is ${state}). Ask anew with \`/prod-access request\`.`,
      }),
    );
  });
});
