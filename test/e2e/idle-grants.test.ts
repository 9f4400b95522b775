import { Client } from 'pg';
import { grantAccess, pause, useHarness, waitUntil } from '../support/harness';

/** Long enough for a few samples at the 1 s interval: what would end a grant has had the chance to. */
const SAMPLES_MS = 4000;

/**
 * Idle-bound grants, through signed requests and the real target: the read-only level ends a grant with no
 * session open for 6 s, the write level ends one once its first session has closed. The session sampler
 * runs every second, reading the sessions from PostgreSQL (`pg_stat_activity`).
 */
describe('idle-bound grants end early, revoked by the system, when their sessions say the access is unused', () => {
  const h = useHarness({
    // The schedulers are put back every reconcile interval: a Redis that forgot them has them again within a second.
    reconcileIntervalSeconds: 1,
    env: { SESSION_SAMPLE_INTERVAL_SECONDS: '1' },
    levels: { 'read-only': { idleTimeout: '6s' }, write: { endsWithSession: true } },
  });

  /** The developer logged in to the target, as the grantee would be: one session of their identity. */
  async function openSession(): Promise<Client> {
    const session = new Client({ connectionString: h.target.url(h.target.roles.login) });
    // The revoke may end the session from the server's side.
    session.on('error', () => undefined);
    await session.connect();
    await session.query('SELECT 1');
    return session;
  }

  async function revokedBySystem(id: number, reason: string): Promise<void> {
    await h.waitForApprovalMessage(id, `Revoked early by prod-access (${reason})`, 20_000);
    await h.waitForStatus(id, 'REVOKED', 20_000);
    const requested = await h.db.auditEvent.findFirstOrThrow({ where: { requestId: id, action: 'revoke_requested' } });
    expect(requested).toMatchObject({ actor: 'system', detail: { reason } });
    const revoked = await h.db.auditEvent.findFirstOrThrow({ where: { requestId: id, action: 'revoked' } });
    expect(revoked).toMatchObject({ actor: 'system', detail: { verified: 'removed', reason } });
    await h.waitForText(h.users.dev, `was revoked by prod-access: ${reason}`, 10_000);
  }

  test('a grant nobody opens a session with ends after the idle timeout, and its access is gone', async () => {
    const id = await grantAccess(h, { duration: '10m', reason: 'maybe I need it' });
    await revokedBySystem(id, 'idle for 6s');
    expect(await h.target.developerCanRead()).toBe(false);
  });

  test('an open session keeps the grant past the idle timeout; once it closes, the timeout ends it', async () => {
    const session = await openSession();
    let id: number;
    try {
      id = await grantAccess(h, { duration: '10m', reason: 'working in psql' });
      await pause(6000 + SAMPLES_MS);
      expect(await h.statusOf(id)).toBe('ACTIVE');
      expect(await h.target.developerCanRead()).toBe(true);
      expect((await h.db.accessRequest.findUniqueOrThrow({ where: { id } })).lastSessionSeenAt).not.toBeNull();
    } finally {
      await session.end().catch(() => undefined);
    }
    await revokedBySystem(id, 'idle for 6s');
    expect(await h.target.developerCanRead()).toBe(false);
  });

  test('endsWithSession: the grant ends once its first session has closed, not before', async () => {
    const id = await grantAccess(h, {
      level: 'write',
      duration: '10m',
      reason: 'one fix',
      approvers: [h.users.manager1, h.users.manager2],
    });
    // No session yet: nothing to end with.
    await pause(SAMPLES_MS);
    expect(await h.statusOf(id)).toBe('ACTIVE');
    const session = await openSession();
    try {
      await pause(SAMPLES_MS);
      expect(await h.statusOf(id)).toBe('ACTIVE');
    } finally {
      await session.end().catch(() => undefined);
    }
    await revokedBySystem(id, 'its session closed');
  });

  test('when Redis forgets everything, the sampler comes back and the session seen is still known', async () => {
    const session = await openSession();
    let id: number;
    try {
      id = await grantAccess(h, { duration: '10m', reason: 'before a flush' });
      const seen = () => h.db.accessRequest.findUniqueOrThrow({ where: { id } }).then((r) => r.lastSessionSeenAt ?? undefined);
      await waitUntil(seen, 10_000, () => `a session of #${id} recorded`);
      await h.redis.clear();
    } finally {
      await session.end().catch(() => undefined);
    }
    await revokedBySystem(id, 'idle for 6s');
  });
});
