import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandProvider } from '../../src/providers/command';
import type { AccessProvider } from '../../src/providers/types';
import { allowlistEntries } from '../support/allowlist';
import { describeProviderConformance, ownedGrants } from '../support/provider-conformance';

const SCRIPT = path.join(__dirname, '../../examples/commands/allowlist.js');
const dir = mkdtempSync(path.join(tmpdir(), 'prod-access-command-'));
const file = path.join(dir, 'allowlist.json');
const owned = ownedGrants('c');
const env = { ...process.env, ALLOWLIST_TOKEN: 'token-for-the-command', SLACK_BOT_TOKEN: 'xoxb-must-not-leak' };
const settings = {
  executable: process.execPath,
  grant: [SCRIPT, 'grant', file, '{requestId}', '{identity}', '{group}', '{expiresAt}'],
  revoke: [SCRIPT, 'revoke', file, '{requestId}'],
  check: [SCRIPT, 'check', file, '{requestId}', '{identity}', '{group}'],
};
const provider = (overrides: Record<string, unknown> = {}): AccessProvider => commandProvider.create({ ...settings, ...overrides }, env);
const spec = (identity: string, group = 'support') => owned.spec(identity, { group });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

let identities = 0;
describeProviderConformance('Command provider', {
  provider: () => provider(),
  newGrant: async () => spec(`${owned.suffix}.u${++identities}`),
  observe: async (grant) => allowlistEntries(file, grant),
  createsCredentials: false,
});

describe('Command provider', () => {
  test("what a level allows is the grant's command line, the level's values filled in, the request's left as placeholders", async () => {
    const summary = await provider({ grant: [...settings.grant, '--note=two words'] }).describeLevel!({ group: 'support' });
    expect(summary).toBe(`Runs ${process.execPath} ${SCRIPT} grant ${file} {requestId} {identity} support {expiresAt} '--note=two words'.`);
    // The command's credentials are only ever in its environment.
    expect(summary).not.toContain(env.ALLOWLIST_TOKEN);
  });

  test("the identity is in the allowlist during the grant, with the command's own instructions, and gone after the revoke", async () => {
    const command = provider();
    const grant = spec('alice');
    const access = await command.grant(grant);
    expect(access.lines).toEqual(['alice may now act as support in the orders API.', `Access ends at ${grant.expiresAt.toISOString()}.`]);
    expect(allowlistEntries(file, grant)).toBe(1);
    await command.revoke(grant);
    expect(allowlistEntries(file, grant)).toBe(0);
  });

  test('the refusal exit code is a permanent refusal, with the last line of stderr as the reason', async () => {
    await expect(provider().grant(spec('bob', 'forbidden'))).rejects.toMatchObject({
      code: 'TARGET_REJECTED',
      message: 'node (grant) refused with exit code 2: the group forbidden cannot be granted from prod-access',
    });
  });

  test("any other failure is transient, and says nothing of the command's output", async () => {
    const failing = provider({ grant: ['-e', 'console.error("secret-in-stderr"); process.exit(5)'] });
    await expect(failing.grant(spec('carol'))).rejects.toMatchObject({ code: 'PROVIDER_ERROR', message: 'node (grant) failed (5)' });
  });

  test('the command gets PATH and the variables the catalog names, nothing else', async () => {
    const printEnv = ['-e', 'process.stdout.write(JSON.stringify(Object.fromEntries([["lines", Object.keys(process.env).sort()]])))'];
    const access = await provider({ grant: printEnv, env: ['ALLOWLIST_TOKEN'] }).grant(spec('dave'));
    expect(access.lines.slice(0, -1)).toEqual(['ALLOWLIST_TOKEN', 'PATH']);
  });

  test('values that could become options or shell syntax never reach the command line', async () => {
    await expect(provider().grant(spec('-rf'))).rejects.toMatchObject({ code: 'INVALID_IDENTITY' });
    await expect(provider().grant(spec('eve; rm -rf /'))).rejects.toMatchObject({ code: 'INVALID_IDENTITY' });
    await expect(provider().grant(spec('eve', '--all'))).rejects.toMatchObject({ code: 'TARGET_REJECTED' });
    await expect(provider({ grant: [SCRIPT, 'grant', file, '{requestId}', '{team}'] }).grant(spec('eve'))).rejects.toMatchObject({
      code: 'TARGET_REJECTED',
      message: expect.stringContaining('uses {team}, which the level test-level does not define'),
    });
  });

  test('validateConfig checks that the executable can be run', async () => {
    await expect(commandProvider.validateConfig(settings, env)).resolves.toBeUndefined();
    await expect(commandProvider.validateConfig({ ...settings, executable: '/nonexistent/kubectl' }, env)).rejects.toThrow(
      '/nonexistent/kubectl is not an executable file.',
    );
  });
});
