import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseCatalog } from '../../src/main/catalog/load';
import type { Catalog } from '../../src/domain/catalog';
import { PermanentError } from '../../src/domain/errors';
import { createProviderFactory, resolveProvider } from '../../src/providers/registry';
import { allowlistEntries } from '../support/allowlist';
import { describeProviderConformance, ownedGrants } from '../support/provider-conformance';

const dir = mkdtempSync(path.join(tmpdir(), 'prod-access-module-'));
const file = path.join(dir, 'allowlist.json');
const owned = ownedGrants('f');
/** The catalog lives in test/fixtures, so the module path is relative to that folder. */
const catalogDir = path.join(__dirname, '../fixtures');

function catalogWith(provider: Record<string, unknown>) {
  const text = stringify({
    auditChannel: 'C0AUDIT001',
    identity: { fromEmail: 'local-part', emailDomains: ['example.com'] },
    resources: [
      {
        id: 'orders-api',
        name: 'Orders API',
        ownersChannel: 'C0OWNERS01',
        provider,
        levels: [{ id: 'support', target: { group: 'support' }, maxDuration: '1h', approvers: { users: ['U0MANAGER1'] } }],
      },
    ],
  });
  return parseCatalog(text, {}, catalogDir);
}

function loadedCatalog(): Catalog {
  const result = catalogWith({ kind: 'module', module: '../../examples/providers/file-provider.js', file });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.catalog;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

let identities = 0;
describeProviderConformance('A provider module loaded from the catalog (examples/providers/file-provider.js)', {
  provider: () => createProviderFactory({})(loadedCatalog().resources[0]!),
  newGrant: async () => owned.spec(`${owned.suffix}.u${++identities}`, { group: 'support' }),
  observe: async (grant) => allowlistEntries(file, grant),
  createsCredentials: false,
});

describeProviderConformance('The same provider module, counted for the metrics', {
  provider: () => createProviderFactory({}, undefined, () => {})(loadedCatalog().resources[0]!),
  newGrant: async () => owned.spec(`${owned.suffix}.m${++identities}`, { group: 'support' }),
  observe: async (grant) => allowlistEntries(file, grant),
  createsCredentials: false,
});

describe('provider modules in the catalog', () => {
  test("the module's describeLevel, when it has one, is what the approval message shows, read from its target", async () => {
    const provider = createProviderFactory({})(loadedCatalog().resources[0]!);
    const grant = owned.spec(`${owned.suffix}.desc`, { group: 'support' });
    await provider.grant(grant);
    try {
      expect(await provider.describeLevel!({ group: 'support' })).toMatch(
        /^Membership of the `support` group of the allowlist \(\d+ now\)\.$/,
      );
      // Its target goes through its own schema first, as every call's does.
      await expect(provider.describeLevel!({ group: 'Not A Group' })).rejects.toThrow();
    } finally {
      await provider.revoke(grant);
    }
  });

  test("a provider counted for the metrics reports each grant, revoke and check, and keeps the module's other members", async () => {
    const seen: string[] = [];
    const observed = createProviderFactory({}, undefined, (kind, call, result) => seen.push(`${kind} ${call} ${result}`));
    const provider = observed(loadedCatalog().resources[0]!);
    const grant = owned.spec(`${owned.suffix}.counted`, { group: 'support' });
    await provider.grant(grant);
    await expect(provider.check(grant)).resolves.toBe(true);
    await provider.revoke(grant);
    await expect(provider.grant(owned.spec(`${owned.suffix}.counted`, { group: 'Not A Group' }))).rejects.toThrow();
    expect(seen).toEqual(['allowlist-file grant ok', 'allowlist-file check ok', 'allowlist-file revoke ok', 'allowlist-file grant error']);
    await expect(provider.describeLevel!({ group: 'support' })).resolves.toMatch(/^Membership of the `support` group/);
  });

  test('the module path is relative to the catalog file, and its identity pattern applies at request time', () => {
    const [resource] = loadedCatalog().resources;
    expect(resource!.provider.settings.module).toBe(path.resolve(__dirname, '../../examples/providers/file-provider.js'));
    expect(resource!.identity.patterns).toEqual(['^[a-z][a-z0-9._-]{0,63}$']);
  });

  test('its settings and targets are validated by its own schemas, with their paths', () => {
    const result = catalogWith({ kind: 'module', module: '../../examples/providers/file-provider.js', file: 'relative.json' });
    expect(result).toEqual({ ok: false, problems: [{ path: 'resources[0].provider.file', message: 'must be an absolute path' }] });
  });

  test('a module that cannot be loaded, or does not export a provider, is a catalog problem at provider.module', () => {
    const missing = catalogWith({ kind: 'module', module: './no-such-provider.js' });
    expect(missing).toMatchObject({
      ok: false,
      problems: [
        { path: 'resources[0].provider.module', message: expect.stringMatching(/^cannot load .*no-such-provider\.js: Cannot find module/) },
      ],
    });
    const broken = catalogWith({ kind: 'module', module: './not-a-provider.js' });
    expect(broken.ok).toBe(false);
    const message = !broken.ok ? broken.problems[0]!.message : '';
    expect(message).toMatch(/does not export a provider definition: kind: must be a lower-case name; settingsSchema: must be a zod schema/);
    expect(message).toContain('create: must be a function');
  });

  test('an error with code TARGET_REJECTED from a module is a permanent refusal', async () => {
    const { kind, settings } = resolveProvider(loadedCatalog().resources[0]!.provider);
    const grant = owned.spec(`${owned.suffix}.x`, { group: 'billing' });
    const refusal = kind
      .create({ ...settings, groups: ['support'] }, {})
      .grant(grant)
      .catch((e: unknown) => e);
    await expect(refusal).resolves.toBeInstanceOf(PermanentError);
    await expect(refusal).resolves.toMatchObject({ code: 'TARGET_REJECTED', message: 'The orders API has no group billing.' });
    expect(allowlistEntries(file, grant)).toBe(0);
  });

  test('validateConfig of the module runs through the same contract', async () => {
    const { kind, settings } = resolveProvider(loadedCatalog().resources[0]!.provider);
    await expect(kind.validateConfig(settings, {})).resolves.toBeUndefined();
    await expect(kind.validateConfig({ file: '/nonexistent/dir/allowlist.json' }, {})).rejects.toThrow(/ENOENT/);
  });
});
