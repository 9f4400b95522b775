import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCatalog } from '../../../src/main/catalog/load';
import { catalogNotes } from '../../../src/domain/catalog';
import { EXAMPLE_CATALOG_ENV } from '../../support/example-catalog';

const example = readFileSync(path.join(__dirname, '../../../catalog.example.yaml'), 'utf8');
const env = EXAMPLE_CATALOG_ENV;
const catalogDir = path.join(__dirname, '../../..');
const FLAG_FIELD = 'fromProfileField: { field: Xf01FLAGUSER, adminManaged: true }';

describe('the catalog', () => {
  test('the shipped example catalog is valid', () => {
    const result = parseCatalog(example, env, catalogDir);
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    const [orders] = result.catalog.resources;
    expect(orders!.levels.map((l) => [l.id, l.maxDurationSeconds, l.defaultDurationSeconds, l.approvalsRequired])).toEqual([
      ['read-only', 4 * 3600, 3600, 1],
      ['write', 3600, 1800, 2],
    ]);
    expect(result.catalog.pendingTimeoutSeconds).toBe(3600);
    expect(orders!.identity.fromEmail).toBe('local-part');
  });

  test("the example shows one resource per provider kind, each identity checked by its kind's rule", () => {
    const result = parseCatalog(example, env, catalogDir);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.catalog.resources.map((r) => [r.id, r.provider.kind])).toEqual([
      ['orders-db', 'postgres'],
      ['billing-db', 'mysql'],
      ['sessions-cache', 'redis-acl'],
      ['feature-flags', 'webhook'],
      ['orders-k8s', 'command'],
      ['orders-api-allowlist', 'module'],
    ]);
    const patterns = Object.fromEntries(result.catalog.resources.map((r) => [r.id, r.identity.patterns]));
    expect(patterns['orders-db']).toEqual(['^[a-z_][a-z0-9_]{0,62}$']);
    expect(patterns['billing-db']).toEqual(['^[A-Za-z0-9_][A-Za-z0-9_.-]{0,18}$']);
    expect(result.catalog.resources[3]!.identity).toMatchObject({ fromProfileField: 'Xf01FLAGUSER', fromEmail: 'none' });
  });

  test('Approve asks for confirmation on levels that need two approvals, or that say so', () => {
    const result = parseCatalog(example, env, catalogDir);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const confirming = result.catalog.resources.flatMap((r) => r.levels.filter((l) => l.confirmApproval).map((l) => `${r.id}/${l.id}`));
    expect(confirming).toEqual(['orders-db/write', 'billing-db/fix-invoices', 'feature-flags/toggle', 'orders-k8s/edit']);
    const saysNo = example.replace(
      '        approvals: 2\n        approvers:\n          users: [U0MANAGER1, U0MANAGER2]\n          groups',
      '        approvals: 2\n        confirmApproval: false\n        approvers:\n          users: [U0MANAGER1, U0MANAGER2]\n          groups',
    );
    const parsed = parseCatalog(saysNo, env, catalogDir);
    expect(parsed.ok && parsed.catalog.resources[0]!.levels[1]!.confirmApproval).toBe(false);
  });

  test('an identity rule may not derive from both the email and a profile field', () => {
    const both = example.replace(FLAG_FIELD, `${FLAG_FIELD}\n      fromEmail: local-part\n      emailDomains: [example.com]`);
    expect(parseCatalog(both, env, catalogDir)).toEqual({
      ok: false,
      problems: [{ path: 'resources[3].identity.fromProfileField', message: 'use either fromEmail or fromProfileField, not both' }],
    });
  });

  test('provider settings are checked by their kind: unsafe ACL rules, unknown privileges, relative executables', () => {
    const broken = example
      .replace("'~cache:*'", "'nopass'")
      .replace('privileges: [SELECT, UPDATE]', 'privileges: [SELECT, SUPER]')
      .replace('executable: /usr/local/bin/kubectl', 'executable: kubectl');
    const result = parseCatalog(broken, env, catalogDir);
    expect(!result.ok && result.problems.map((p) => p.path)).toEqual([
      'resources[1].levels[1].target.privileges[1]',
      'resources[2].levels[0].target.rules[2]',
      'resources[4].provider.executable',
    ]);
  });

  test('a level warns 10 minutes before a grant ends unless its warnBefore says otherwise, false for never, shorter than maxDuration', () => {
    const warnings = (text: string) => {
      const result = parseCatalog(text, env, catalogDir);
      if (!result.ok) return result.problems;
      return result.catalog.resources[0]!.levels.map((l) => l.warnBeforeSeconds);
    };
    expect(warnings(example)).toEqual([600, 300]);
    expect(warnings(example.replace('warnBefore: 5m', 'warnBefore: false'))).toEqual([600, null]);
    expect(warnings(example.replace('warnBefore: 5m', 'warnBefore: 0'))).toEqual([600, null]);
    expect(warnings(example.replace('warnBefore: 5m', 'warnBefore: 1h'))).toEqual([
      { path: 'resources[0].levels[1].warnBefore', message: 'must be shorter than maxDuration (or false for no warning)' },
    ]);
  });

  test('idleTimeout and endsWithSession: shorter than maxDuration, only where the provider lists sessions', () => {
    const idle = (text: string) => {
      const result = parseCatalog(text, env, catalogDir);
      if (!result.ok) return result.problems;
      return result.catalog.resources.map((r) => r.levels[0]!.idle);
    };
    expect(idle(example).slice(0, 2)).toEqual([{ idleTimeoutSeconds: 1800, endsWithSession: false }, null]);
    expect(idle(example.replace('idleTimeout: 30m', 'idleTimeout: 30m\n        endsWithSession: true'))[0]).toEqual({
      idleTimeoutSeconds: 1800,
      endsWithSession: true,
    });
    expect(idle(example.replace('idleTimeout: 30m', 'endsWithSession: true'))[0]).toEqual({
      idleTimeoutSeconds: null,
      endsWithSession: true,
    });
    expect(idle(example.replace('idleTimeout: 30m', 'idleTimeout: 4h'))).toEqual([
      { path: 'resources[0].levels[0].idleTimeout', message: 'must be shorter than maxDuration' },
    ]);
    const onWebhook = example.replace(
      'environments: [production] }\n        maxDuration: 1h',
      'environments: [production] }\n        maxDuration: 1h\n        idleTimeout: 10m\n        endsWithSession: true',
    );
    expect(onWebhook).not.toBe(example);
    const message =
      'needs a provider that lists a grant\'s sessions (postgres, mysql, redis-acl); this resource\'s provider kind "webhook" cannot tell whether its grants are used';
    expect(idle(onWebhook)).toEqual([
      { path: 'resources[3].levels[0].idleTimeout', message },
      { path: 'resources[3].levels[0].endsWithSession', message },
    ]);
  });

  test('every problem is reported with its path in the file', () => {
    const broken = example
      .replace('auditChannel: C0AUDIT0001', 'auditChannel: audit')
      .replace('maxDuration: 4h', 'maxDuration: forever')
      .replace('target: { role: orders_write }', 'target: { role: "Orders Write; DROP" }')
      .replace('kind: postgres', 'kind: postgres\n      password: hunter2');
    const result = parseCatalog(broken, env, catalogDir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'auditChannel',
        'resources[0].levels[0].maxDuration',
        'resources[0].levels[1].target.role',
        'resources[0].provider',
      ]),
    );
    expect(result.problems.find((p) => p.path === 'auditChannel')!.message).toMatch(/Slack channel id/);
  });

  test('a provider connection variable that is not set is a problem, named', () => {
    const result = parseCatalog(example, { ...env, BILLING_DB_ADMIN_URL: undefined, KUBECONFIG: '' }, catalogDir);
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: 'resources[1].provider', message: 'environment variable BILLING_DB_ADMIN_URL is not set' },
        { path: 'resources[4].provider', message: 'environment variable KUBECONFIG is not set' },
      ],
    });
  });

  test('an impossible approval rule is refused', () => {
    const result = parseCatalog(
      example.replace('groups: [S0DBAS0001]', 'groups: []').replace('approvals: 2', 'approvals: 3'),
      env,
      catalogDir,
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toContainEqual({
        path: 'resources[0].levels[1].approvals',
        message: 'needs 3 distinct approvers but only 2 are listed',
      });
  });

  test('duplicate ids, unknown providers and YAML syntax errors are reported', () => {
    const dup = parseCatalog(example.replace('- id: write', '- id: read-only'), env, catalogDir);
    expect(!dup.ok && dup.problems.map((p) => p.message)).toContain('duplicate id "read-only"');
    const unknown = parseCatalog(example.replace('kind: postgres', 'kind: oracle'), env, catalogDir);
    expect(!unknown.ok && unknown.problems[0]!.path).toBe('resources[0].provider.kind');
    const syntax = parseCatalog('resources:\n  - id: x\n    name: a: b\n', env, catalogDir);
    expect(!syntax.ok && syntax.problems[0]).toEqual({
      path: 'line 3, column 11',
      message: 'Nested mappings are not allowed in compact mappings',
    });
  });

  test('YAML that parses but cannot resolve (an alias with no anchor, an alias bomb) is a problem, not a crash', () => {
    const unresolved = parseCatalog('*-', env, catalogDir);
    expect(unresolved).toEqual({ ok: false, problems: [{ path: '(file)', message: expect.stringMatching(/Unresolved alias/) }] });
    const bomb = parseCatalog(`a: &a x\nb: [${Array(200).fill('*a').join(',')}]`, env, catalogDir);
    expect(bomb).toEqual({ ok: false, problems: [{ path: '(file)', message: expect.stringMatching(/alias/i) }] });
  });

  describe('identity rules that would let one person borrow another identity are refused', () => {
    const problemsOf = (text: string) => {
      const result = parseCatalog(text, env, catalogDir);
      return result.ok ? [] : result.problems;
    };

    test('the email local part with no domains listed', () => {
      expect(problemsOf(example.replace('  emailDomains: [example.com]\n', ''))).toEqual([
        { path: 'identity.emailDomains', message: expect.stringMatching(/needs the domains.*victim@evil\.example would be victim/) },
      ]);
    });

    test('an email domain that is not plain ASCII (the Kelvin sign lower-cases to k)', () => {
      expect(problemsOf(example.replace('emailDomains: [example.com]', 'emailDomains: [\u212Aate.example]'))).toEqual([
        { path: 'identity.emailDomains[0]', message: 'must be a domain name in ASCII, like example.com' },
      ]);
    });

    test('a custom profile field the catalog does not declare admin-managed', () => {
      for (const field of ['fromProfileField: Xf01FLAGUSER', 'fromProfileField: { field: Xf01FLAGUSER, adminManaged: false }']) {
        expect(problemsOf(example.replace(FLAG_FIELD, field))).toEqual([
          { path: expect.stringMatching(/^resources\[3\]\.identity\.fromProfileField/), message: expect.stringMatching(/admins alone/) },
        ]);
      }
      expect(problemsOf(example.replace(FLAG_FIELD, 'fromProfileField: { field: Xf01FLAGUSER }'))).toEqual([
        {
          path: 'resources[3].identity.fromProfileField.adminManaged',
          message: expect.stringMatching(/^must be true, and only once a workspace admin has made the field editable by admins alone/),
        },
      ]);
    });

    test('a map that gives one identity to two Slack users', () => {
      expect(problemsOf(example.replace('U0DEV00001: alice\n', 'U0DEV00001: alice\n    U0DEV00002: alice\n'))).toEqual([
        { path: 'identity.map.U0DEV00002', message: 'maps to "alice" like U0DEV00001: one identity, one person' },
      ]);
    });
  });

  describe('who may request', () => {
    test('a level names its requesters, users and user groups; without them anyone may ask', () => {
      const result = parseCatalog(example, env, catalogDir);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      const [orders] = result.catalog.resources;
      expect(orders!.levels.map((l) => l.requesters)).toEqual([null, { users: ['U0DEV00001'], groups: ['S0ORDERSDEV'] }]);
    });

    test('an empty requesters list is a problem, not a level nobody may ask for', () => {
      const empty = example.replace('users: [U0DEV00001]\n          groups: [S0ORDERSDEV]', 'users: []');
      const result = parseCatalog(empty, env, catalogDir);
      expect(!result.ok && result.problems).toEqual([
        { path: 'resources[0].levels[1].requesters', message: expect.stringMatching(/leave requesters out to let anyone/) },
      ]);
    });

    test('validate names the levels open to everyone, and warns what a profile-field identity rests on', () => {
      const result = parseCatalog(example, env, catalogDir);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      expect(catalogNotes(result.catalog)).toEqual([
        'open to everyone in the workspace (no requesters): orders-db/read-only, billing-db/read-only, billing-db/fix-invoices, sessions-cache/read-cache, feature-flags/toggle, orders-k8s/edit, orders-api-allowlist/support',
        'break-glass allowed (granted without an approver, reviewed afterwards): orders-db/write',
        expect.stringMatching(
          /^warning: feature-flags takes identities from the custom profile field Xf01FLAGUSER: anyone who can edit that field can name any identity/,
        ),
      ]);
    });
  });

  describe('break-glass', () => {
    test('a level may allow it, with its own maximum, reviewers and review time; others never do', () => {
      const result = parseCatalog(example, env, catalogDir);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      const [orders] = result.catalog.resources;
      expect(orders!.levels.map((l) => l.breakGlass)).toEqual([
        null,
        { maxDurationSeconds: 1800, reviewers: { users: ['U0MANAGER1', 'U0MANAGER2'], groups: ['S0DBAS0001'] }, reviewWithinSeconds: 3600 },
      ]);
    });

    test('longer than the level allows, or with nobody to review it, is a problem', () => {
      const broken = example
        .replace('breakGlass:\n          maxDuration: 30m', 'breakGlass:\n          maxDuration: 2h')
        .replace('users: [U0MANAGER1, U0MANAGER2]\n            groups: [S0DBAS0001]', 'users: []');
      const result = parseCatalog(broken, env, catalogDir);
      expect(!result.ok && result.problems).toEqual([
        { path: 'resources[0].levels[1].breakGlass.reviewers', message: 'must list at least one reviewer user or group' },
        { path: 'resources[0].levels[1].breakGlass.maxDuration', message: "must not be longer than the level's maxDuration" },
      ]);
    });
  });
});

describe('reminders in the catalog', () => {
  const RESOURCE_REMINDERS = `reminders:
      remindAfter: 15m
      escalateAfter: 45m
      escalateTo: { channel: C0ONCALL001, group: S0DBAS0001 }`;
  const withReminders = (reminders: string) => example.replace(RESOURCE_REMINDERS, reminders);
  const problems = (text: string) => {
    const result = parseCatalog(text, env, catalogDir);
    return result.ok ? [] : result.problems;
  };

  test("a resource's reminders go to each of its levels, unless a level has its own", () => {
    const result = parseCatalog(example, env, catalogDir);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const [orders, billing] = result.catalog.resources;
    expect(orders!.levels.map((l) => [l.id, l.reminders])).toEqual([
      ['read-only', { remindAfterSeconds: 900, escalation: { afterSeconds: 2700, channel: 'C0ONCALL001', group: 'S0DBAS0001' } }],
      ['write', { remindAfterSeconds: 300, escalation: { afterSeconds: 900, channel: null, group: 'S0DBAS0001' } }],
    ]);
    expect(billing!.levels.map((l) => l.reminders)).toEqual([null, null]);
  });

  test('either step may be left out', () => {
    const result = parseCatalog(withReminders('reminders: { remindAfter: 10m }'), env, catalogDir);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.catalog.resources[0]!.levels[0]!.reminders).toEqual({ remindAfterSeconds: 600, escalation: null });
  });

  test.each([
    ['no step at all', 'reminders: {}', 'resources[0].reminders', 'needs remindAfter, escalateAfter or both'],
    [
      'an escalation before the reminder',
      'reminders: { remindAfter: 30m, escalateAfter: 20m, escalateTo: { group: S0DBAS0001 } }',
      'resources[0].reminders.escalateAfter',
      'must be longer than remindAfter',
    ],
    [
      'an escalation with nowhere to go',
      'reminders: { escalateAfter: 20m }',
      'resources[0].reminders.escalateTo',
      'is needed with escalateAfter: a channel, a user group, or both',
    ],
    [
      'an escalation target with neither a channel nor a group',
      'reminders: { escalateAfter: 20m, escalateTo: {} }',
      'resources[0].reminders.escalateTo',
      'needs a channel, a user group, or both',
    ],
    [
      'a target without its delay',
      'reminders: { remindAfter: 5m, escalateTo: { group: S0DBAS0001 } }',
      'resources[0].reminders.escalateAfter',
      'is needed with escalateTo: how long a request waits before it is escalated',
    ],
    [
      'an escalation at the pending timeout',
      'reminders: { escalateAfter: 1h, escalateTo: { group: S0DBAS0001 } }',
      'resources[0].reminders.escalateAfter',
      'must be shorter than pendingTimeout (1h)',
    ],
    [
      'a reminder after the pending timeout',
      'reminders: { remindAfter: 2h }',
      'resources[0].reminders.remindAfter',
      'must be shorter than pendingTimeout (1h)',
    ],
    [
      'a channel that is not a channel id',
      'reminders: { escalateAfter: 20m, escalateTo: { channel: oncall } }',
      'resources[0].reminders.escalateTo.channel',
      'must be a Slack channel id like C0123ABCD',
    ],
  ])('%s is refused with its path', (_, reminders, path, message) => {
    expect(problems(withReminders(reminders))).toEqual([{ path, message }]);
  });

  test("a level's own reminders are checked against the pending timeout too", () => {
    const text = example.replace('remindAfter: 5m\n          escalateAfter: 15m', 'remindAfter: 5m\n          escalateAfter: 90m');
    expect(problems(text)).toEqual([
      { path: 'resources[0].levels[1].reminders.escalateAfter', message: 'must be shorter than pendingTimeout (1h)' },
    ]);
  });

  test('working hours name days, a from and a to on the clock of a time zone; left out, there are none', () => {
    const hours = (line: string) => {
      const result = parseCatalog(example.replace(/^workingHours: .*$/m, line), env, catalogDir);
      return result.ok ? result.catalog.workingHours : result.problems;
    };
    const parsed = parseCatalog(example, env, catalogDir);
    expect(parsed.ok && parsed.catalog.workingHours).toEqual({
      days: [1, 2, 3, 4, 5],
      fromMinute: 540,
      toMinute: 1080,
      timeZone: 'Europe/Paris',
    });
    expect(hours('')).toBeUndefined();
    expect(hours("workingHours: { days: 'sat-mon', from: '22:00', to: '23:30', timeZone: UTC }")).toMatchObject({
      days: [0, 1, 6],
      fromMinute: 1320,
      toMinute: 1410,
    });
    expect(hours("workingHours: { days: 'mon,wed', from: '08:00', to: '12:00', timeZone: UTC }")).toMatchObject({ days: [1, 3] });
    expect(hours("workingHours: { days: weekdays, from: '9am', to: '08:00', timeZone: Mars/Olympus }")).toEqual([
      { path: 'workingHours.days', message: 'must be days like mon-fri, or mon,tue,thu (sun, mon, tue, wed, thu, fri, sat)' },
      { path: 'workingHours.from', message: 'must be a time like 09:00 or 18:30' },
      { path: 'workingHours.timeZone', message: 'must be an IANA time zone, like Europe/Paris or UTC' },
    ]);
    expect(hours("workingHours: { days: mon-fri, from: '18:00', to: '09:00', timeZone: UTC }")).toEqual([
      { path: 'workingHours.to', message: 'must be later than from' },
    ]);
  });
});
