import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { allowlistEntries } from '../support/allowlist';
import { CHANNELS, Harness } from '../support/harness';

const SCRIPT = path.join(__dirname, '../../examples/commands/allowlist.js');

/**
 * Guarantee 4: a revoke counts only once the target, read back, no longer shows the access. Here the
 * team's revoke script exits 0 without removing anything (a real misconfiguration); the request must
 * not end as revoked while the access is still there.
 */
describe('read-back after a revoke', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'prod-access-read-back-'));
  const file = path.join(dir, 'allowlist.json');
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({
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
          levels: [
            { id: 'support', target: { group: 'support' }, maxDuration: '1h', approvals: 1, approvers: { users: [users.manager1] } },
          ],
        },
      ],
    });
  });

  afterAll(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a revoke that leaves the access in place is REVOKE_FAILED, announced, and retried until the access is really gone', async () => {
    const id = await h.requestAccess('support 10m read-back', h.users.dev, 'orders-api');
    await h.clickAndReply(h.users.manager1, id);
    await h.waitForApprovalMessage(id, 'active until');
    const held = () => allowlistEntries(file, { requestId: id, identity: h.roles.login, target: { group: 'support' } });
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
    const revoked = await h.db.auditEvent.findFirstOrThrow({ where: { requestId: id, action: 'revoked' } });
    expect(revoked.detail).toEqual({ verified: 'removed' });
  });
});
