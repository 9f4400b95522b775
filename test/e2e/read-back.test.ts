import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { allowlistEntries } from '../support/allowlist';
import { guarantee } from '../support/guarantees';
import { CHANNELS, grantAccess, useHarness } from '../support/harness';

const SCRIPT = path.join(__dirname, '../../examples/commands/allowlist.js');

/**
 * Guarantee 4: a revoke counts only once the target, read back, no longer shows the access. Here the
 * team's revoke script exits 0 without removing anything (a real misconfiguration); the request must
 * not end as revoked while the access is still there.
 */
describe(guarantee(4), () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'prod-access-read-back-'));
  const file = path.join(dir, 'allowlist.json');
  const h = useHarness({
    resources: ({ users }) => [
      {
        id: 'orders-api',
        name: 'Orders API',
        ownersChannel: CHANNELS.owners,
        provider: {
          kind: 'command',
          executable: process.execPath,
          grant: [SCRIPT, 'grant', file, '{requestId}', '{identity}', '{group}', '{expiresAt}'],
          revoke: ['-e', ''],
          check: [SCRIPT, 'check', file, '{requestId}', '{identity}', '{group}'],
        },
        levels: [{ id: 'support', target: { group: 'support' }, maxDuration: '1h', approvals: 1, approvers: { users: [users.manager1] } }],
      },
    ],
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a revoke that leaves the access in place is REVOKE_FAILED, announced, and retried until the access is really gone', async () => {
    const id = await grantAccess(h, { resource: 'orders-api', level: 'support', reason: 'read-back' });
    const held = () => allowlistEntries(file, { requestId: id, identity: h.target.roles.login, target: { group: 'support' } });
    expect(held()).toBe(1);

    await h.ask(h.users.dev, `revoke ${id}`);
    const failed = await h.waitForStatus(id, 'REVOKE_FAILED', 15_000);
    expect(failed.failureReason).toBe('the access was still present when read back after the revoke');
    expect(held()).toBe(1);
    await h.waitForText(CHANNELS.audit, `*revoke failed* #${id}`);

    // The owner removes it by hand; the next retry reads the target back, finds it gone, and ends the request.
    execFileSync(process.execPath, [SCRIPT, 'revoke', file, String(id)]);
    const ended = await h.waitForStatus(id, 'REVOKED', 20_000);
    expect(ended.endedBy).toBe(h.users.dev);
    expect(await h.auditDetail(id, 'revoked')).toEqual({ verified: 'removed' });
  });
});
