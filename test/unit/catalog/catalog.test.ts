import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCatalog } from '../../../src/catalog/load';
import { EXAMPLE_CATALOG_ENV } from '../../support/example-catalog';

const example = readFileSync(path.join(__dirname, '../../../catalog.example.yaml'), 'utf8');
const env = EXAMPLE_CATALOG_ENV;
const catalogDir = path.join(__dirname, '../../..');

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

  test('an identity rule may not derive from both the email and a profile field', () => {
    const both = example.replace('fromProfileField: Xf01FLAGUSER', 'fromProfileField: Xf01FLAGUSER\n      fromEmail: local-part');
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
    const syntax = parseCatalog('resources: [', env, catalogDir);
    expect(!syntax.ok && syntax.problems[0]!.path).toBe('(file)');
  });

  test('YAML that parses but cannot resolve (an alias with no anchor, an alias bomb) is a problem, not a crash', () => {
    const unresolved = parseCatalog('*-', env, catalogDir);
    expect(unresolved).toEqual({ ok: false, problems: [{ path: '(file)', message: expect.stringMatching(/Unresolved alias/) }] });
    const bomb = parseCatalog(`a: &a x\nb: [${Array(200).fill('*a').join(',')}]`, env, catalogDir);
    expect(bomb).toEqual({ ok: false, problems: [{ path: '(file)', message: expect.stringMatching(/alias/i) }] });
  });
});
