import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCatalog } from '../../../src/catalog/load';

const example = readFileSync(path.join(__dirname, '../../../catalog.example.yaml'), 'utf8');
const env = { ORDERS_DB_ADMIN_URL: 'postgresql://postgres@127.0.0.1:5432/prod_access_demo' };

describe('the catalog', () => {
  test('the shipped example catalog is valid', () => {
    const result = parseCatalog(example, env);
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

  test('every problem is reported with its path in the file', () => {
    const broken = example
      .replace('auditChannel: C0AUDIT0001', 'auditChannel: audit')
      .replace('maxDuration: 4h', 'maxDuration: forever')
      .replace('target: { role: orders_write }', 'target: { role: "Orders Write; DROP" }')
      .replace('kind: postgres', 'kind: postgres\n      password: hunter2');
    const result = parseCatalog(broken, env);
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
    const result = parseCatalog(example, {});
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'resources[0].provider', message: 'environment variable ORDERS_DB_ADMIN_URL is not set' }],
    });
  });

  test('an impossible approval rule is refused', () => {
    const result = parseCatalog(example.replace('groups: [S0DBAS0001]', 'groups: []').replace('approvals: 2', 'approvals: 3'), env);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toContainEqual({
        path: 'resources[0].levels[1].approvals',
        message: 'needs 3 distinct approvers but only 2 are listed',
      });
  });

  test('duplicate ids, unknown providers and YAML syntax errors are reported', () => {
    const dup = parseCatalog(example.replace('- id: write', '- id: read-only'), env);
    expect(!dup.ok && dup.problems.map((p) => p.message)).toContain('duplicate id "read-only"');
    const unknown = parseCatalog(example.replace('kind: postgres', 'kind: oracle'), env);
    expect(!unknown.ok && unknown.problems[0]!.path).toBe('resources[0].provider.kind');
    const syntax = parseCatalog('resources: [', env);
    expect(!syntax.ok && syntax.problems[0]!.path).toBe('(file)');
  });
});
