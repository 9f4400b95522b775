import { applyGrant, grantOrFail } from '../../../src/app/grants';
import type { AccessRequestRecord } from '../../../src/domain/request';
import { FINAL, fakeWorld, NOT_FINAL } from '../../support/fakes';

function setUp() {
  const w = fakeWorld();
  const approved = (fields: Partial<AccessRequestRecord> = {}) =>
    w.requests.seed({ durationSeconds: 600, status: 'APPROVED', ...fields }).id;
  const target = w.targets.target('orders-db');
  return { w, approved, target, grant: grantOrFail(w) };
}

describe('the grant job', () => {
  test('applies the access, starts the clock, schedules the revoke, announces it and sends the DM with its secret', async () => {
    const { w, approved, target, grant } = setUp();
    target.oneTimeSecret = 's3cret';
    const id = approved();
    await grant(id, NOT_FINAL);

    const expiresAt = new Date(w.clock.now().getTime() + 600_000);
    expect(await w.requests.get(id)).toMatchObject({
      status: 'ACTIVE',
      grantedAt: w.clock.now(),
      expiresAt,
      accessLines: ['connect as dev'],
      accessSecretIssued: true,
    });
    expect([...target.held.keys()]).toEqual(['dev→orders_read']);
    expect(w.schedule.revokes).toEqual([{ requestId: id, at: expiresAt }]);
    expect(w.announcements.said).toEqual([`sync #${id}`, 'audit 1']);
    expect(w.delivery.delivered).toEqual([{ requestId: id, lines: ['connect as dev'], oneTimeSecret: 's3cret' }]);
    // The secret goes to the DM only: never into the store or the audit log.
    expect(JSON.stringify(w.audit.events, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('s3cret');
  });

  test('run again after it succeeded: nothing granted twice, the revoke made sure of', async () => {
    const { w, approved, target, grant } = setUp();
    const id = approved();
    await grant(id, NOT_FINAL);
    await grant(id, NOT_FINAL);
    expect(target.calls).toEqual([`grant #${id}`]);
    expect(w.schedule.revokes).toHaveLength(2);
    expect(w.delivery.delivered).toHaveLength(1);
  });

  test('run again after it stopped before the DM: the instructions go again from the database', async () => {
    const { w, grant } = setUp();
    const id = w.requests.seed({ status: 'ACTIVE', expiresAt: new Date(w.clock.now().getTime() + 600_000) }).id;
    await grant(id, NOT_FINAL);
    expect(w.announcements.said).toEqual([`resend access #${id}`]);
  });

  test('the DM fails: the instructions are queued from the database and the job retries, the grant stays', async () => {
    const { w, approved, grant } = setUp();
    w.delivery.failNext = new Error('slack down');
    const id = approved();
    await expect(grant(id, NOT_FINAL)).rejects.toThrow('slack down');
    expect((await w.requests.get(id))?.status).toBe('ACTIVE');
    expect(w.announcements.said.at(-1)).toBe(`resend access #${id}`);
  });

  test('revoked before the grant was applied: the grant is not recorded and its access is taken back', async () => {
    const { w, approved, target } = setUp();
    const id = approved();
    // The revoke lands while the provider is applying the grant.
    const grantInTarget = target.grant.bind(target);
    target.grant = async (spec) => {
      const access = await grantInTarget(spec);
      await w.requests.requestRevoke(id, 'UDEV', w.clock.now());
      return access;
    };
    await applyGrant(w)(id);
    expect(await w.requests.get(id)).toMatchObject({ status: 'REVOKED', grantedAt: null });
    expect(target.held.size).toBe(0);
    expect(w.schedule.revokes).toEqual([]);
    expect(w.delivery.delivered).toEqual([]);
  });

  test('nothing happens for a request that is not approved', async () => {
    const { w, approved, target, grant } = setUp();
    const id = approved({ status: 'REVOKED' });
    await grant(id, FINAL);
    await grant(404, FINAL);
    expect(target.calls).toEqual([]);
    expect((await w.requests.get(id))?.status).toBe('REVOKED');
  });
});

describe('a grant that fails is a state', () => {
  test('a transient failure is retried: the request stays approved until the last attempt', async () => {
    const { w, approved, target, grant } = setUp();
    const id = approved();
    target.failNext.grant = new Error('connection refused');
    await expect(grant(id, NOT_FINAL)).rejects.toThrow('connection refused');
    expect((await w.requests.get(id))?.status).toBe('APPROVED');
    expect(w.announcements.said).toEqual([]);
  });

  test('on the last attempt the request fails with the reason, the requester is told, nothing is left behind', async () => {
    const { w, approved, target, grant } = setUp();
    const id = approved();
    target.failNext.grant = new Error('connection refused');
    await grant(id, FINAL);
    expect(await w.requests.get(id)).toMatchObject({ status: 'FAILED', failureReason: 'connection refused' });
    expect(w.audit.events).toEqual([expect.objectContaining({ action: 'grant_failed', detail: { reason: 'connection refused' } })]);
    expect(w.announcements.said).toEqual([`sync #${id} failed`, 'audit 1']);
    // A grant that failed halfway may have applied part of itself.
    expect(target.calls).toEqual([`grant #${id}`, `revoke #${id}`]);
  });

  test('a failure the retry policy calls final (a refusal, before the last attempt) fails the request at once', async () => {
    const { w, approved, target, grant } = setUp();
    const id = approved();
    const refusal = new Error('role orders_read does not exist');
    target.failNext.grant = refusal;
    await grant(id, (error) => error === refusal);
    expect(await w.requests.get(id)).toMatchObject({ status: 'FAILED', failureReason: 'role orders_read does not exist' });
  });

  test("a failed grant's clean-up leaves access another live grant of the same identity holds", async () => {
    const { w, approved, target, grant } = setUp();
    const holding = approved();
    await grant(holding, NOT_FINAL);
    const failing = approved();
    target.failNext.grant = new Error('timeout');
    await grant(failing, FINAL);
    expect((await w.requests.get(failing))?.status).toBe('FAILED');
    expect([...target.held.keys()]).toEqual(['dev→orders_read']);
  });
});

describe('a grant with a scheduled start', () => {
  test('run before its start: nothing granted, the job waits for the start', async () => {
    const { w, approved, target, grant } = setUp();
    const startsAt = new Date(w.clock.now().getTime() + 60_000);
    const id = approved({ startsAt });
    await grant(id, NOT_FINAL);
    expect(target.calls).toEqual([]);
    expect((await w.requests.get(id))?.status).toBe('APPROVED');
    expect(w.schedule.scheduledGrants).toEqual([{ requestId: id, at: startsAt }]);
  });

  test('applied after its start: the duration still counts from the start', async () => {
    const { w, approved, grant } = setUp();
    const startsAt = new Date(w.clock.now().getTime() - 120_000);
    const id = approved({ startsAt });
    await grant(id, NOT_FINAL);
    const expiresAt = new Date(startsAt.getTime() + 600_000);
    expect(await w.requests.get(id)).toMatchObject({ status: 'ACTIVE', grantedAt: w.clock.now(), expiresAt });
    expect(w.schedule.revokes).toEqual([{ requestId: id, at: expiresAt }]);
    expect(w.audit.events.at(-1)?.detail).toMatchObject({ startsAt: startsAt.toISOString(), expiresAt: expiresAt.toISOString() });
  });

  test('its window over before the grant could be applied: the request fails, nothing is granted', async () => {
    const { w, approved, target, grant } = setUp();
    const id = approved({ startsAt: new Date(w.clock.now().getTime() - 601_000) });
    // A PermanentError, which the job's retry policy calls final.
    await grant(id, FINAL);
    expect(await w.requests.get(id)).toMatchObject({ status: 'FAILED', failureReason: expect.stringMatching(/window it asked for ended/) });
    expect(target.calls).not.toContain(`grant #${id}`);
  });
});
