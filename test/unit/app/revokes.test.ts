import { grantOrFail } from '../../../src/app/grants';
import { requestEarlyRevoke, revokeGrant } from '../../../src/app/revokes';
import type { AccessRequestRecord } from '../../../src/domain/request';
import { fakeWorld, type FakeWorld, grantAccess, NOT_FINAL } from '../../support/fakes';

const MINUTE = 60_000;

function setUp() {
  const w = fakeWorld();
  return { w, revoke: revokeGrant(w), revokeEarly: requestEarlyRevoke(w) };
}

/** UDEV's grant (of read-only on orders-db unless `fields` say otherwise), applied now for `minutes`. */
const grantFor = (w: FakeWorld, minutes: number, fields: Partial<AccessRequestRecord> = {}) =>
  grantAccess(w, { durationSeconds: minutes * 60, ...fields });

describe('the revoke job', () => {
  test('before the expiry it only makes sure it is scheduled', async () => {
    const { w, revoke } = setUp();
    const id = await grantFor(w, 10);
    w.schedule.revokes.length = 0;
    await expect(revoke(id)).resolves.toBe('not_due');
    expect(w.schedule.revokes).toEqual([{ requestId: id, at: (await w.requests.get(id))!.expiresAt }]);
    expect(w.targets.target('orders-db').held.size).toBe(1);
  });

  test('at the expiry: removed, read back, recorded as expired, the requester told', async () => {
    const { w, revoke } = setUp();
    const id = await grantFor(w, 10);
    w.announcements.said.length = 0;
    w.clock.advance(10 * MINUTE);
    await expect(revoke(id)).resolves.toBe('revoked');
    expect(await w.requests.get(id)).toMatchObject({ status: 'EXPIRED', endedAt: w.clock.now() });
    expect(w.targets.target('orders-db').held.size).toBe(0);
    expect(w.audit.events.at(-1)).toMatchObject({ actor: 'system', action: 'expired', detail: { verified: 'removed' } });
    expect(w.announcements.said).toEqual([`sync #${id} expired`, `audit ${w.audit.events.length}`]);
    await expect(revoke(id)).resolves.toBe('nothing_to_do');
  });

  test('the DM that carried a one-time secret is cleared once the access has ended', async () => {
    const { w, revoke } = setUp();
    w.targets.target('flags').oneTimeSecret = 'pw';
    const id = await grantFor(w, 5, { resourceId: 'flags', level: 'toggle' });
    w.clock.advance(5 * MINUTE);
    await revoke(id);
    expect(w.announcements.said.at(-1)).toBe(`clear secret #${id}`);
  });

  describe('overlapping grants of one permission end only when the last of them does', () => {
    test("the earlier grant's expiry keeps the access the later one holds; the later one's end removes it", async () => {
      const { w, revoke } = setUp();
      const short = await grantFor(w, 5);
      const long = await grantFor(w, 30);
      const target = w.targets.target('orders-db');
      w.clock.advance(5 * MINUTE);
      await revoke(short);
      expect(await w.requests.get(short)).toMatchObject({ status: 'EXPIRED' });
      expect(w.audit.events.at(-1)?.detail).toEqual({ kept: `still held by #${long}` });
      expect([...target.held.keys()]).toEqual(['dev→orders_read']);

      w.clock.advance(25 * MINUTE);
      await revoke(long);
      expect(target.held.size).toBe(0);
    });

    test('an approved grant still being applied covers the access too', async () => {
      const { w, revoke } = setUp();
      const ending = await grantFor(w, 5);
      w.requests.seed({ status: 'APPROVED' });
      w.clock.advance(5 * MINUTE);
      await revoke(ending);
      expect(w.targets.target('orders-db').held.size).toBe(1);
    });

    test('another identity, or another level, does not cover it', async () => {
      const { w, revoke } = setUp();
      const ending = await grantFor(w, 5);
      const later = new Date(w.clock.now().getTime() + 30 * MINUTE);
      w.requests.seed({ requesterId: 'UCAROL', targetIdentity: 'carol', status: 'ACTIVE', expiresAt: later });
      w.requests.seed({ level: 'write', status: 'ACTIVE', expiresAt: later });
      w.clock.advance(5 * MINUTE);
      await revoke(ending);
      expect(w.audit.events.at(-1)?.detail).toEqual({ verified: 'removed' });
    });

    test('a provider keyed by request removes each grant on its own', async () => {
      const { w, revoke } = setUp();
      const first = await grantFor(w, 5, { resourceId: 'flags', level: 'toggle' });
      await grantFor(w, 30, { resourceId: 'flags', level: 'toggle' });
      w.clock.advance(5 * MINUTE);
      await revoke(first);
      expect([...w.targets.target('flags').held.keys()]).toEqual([`request ${first + 1}`]);
    });
  });

  describe('a revoke that fails is a state', () => {
    test('REVOKE_FAILED, announced once however often it fails, retried until it succeeds', async () => {
      const { w, revoke } = setUp();
      const id = await grantFor(w, 5);
      const target = w.targets.target('orders-db');
      w.clock.advance(5 * MINUTE);
      const said = w.announcements.said.length;

      target.failNext.revoke = new Error('connection refused');
      await expect(revoke(id)).rejects.toThrow('connection refused');
      expect(await w.requests.get(id)).toMatchObject({ status: 'REVOKE_FAILED', failureReason: 'connection refused' });
      target.failNext.revoke = new Error('connection refused');
      await expect(revoke(id)).rejects.toThrow('connection refused');
      expect(w.announcements.said.slice(said)).toEqual([`sync #${id}`, `audit ${w.audit.events.length}`]);
      expect(w.audit.actions(id).filter((a) => a === 'revoke_failed')).toHaveLength(1);

      await expect(revoke(id)).resolves.toBe('revoked');
      expect(await w.requests.get(id)).toMatchObject({ status: 'EXPIRED', failureReason: null });
      expect(target.held.size).toBe(0);
    });

    test('access still there when read back after the revoke is a failure too', async () => {
      const { w, revoke } = setUp();
      const id = await grantFor(w, 5);
      w.targets.target('orders-db').revokeIsIgnored = true;
      w.clock.advance(5 * MINUTE);
      await expect(revoke(id)).rejects.toMatchObject({ code: 'PROVIDER_ERROR', message: expect.stringContaining('still present') });
      expect((await w.requests.get(id))?.status).toBe('REVOKE_FAILED');
    });
  });
});

describe('an early revoke', () => {
  test('by the requester, of a live grant: marked, the revoke job run now, which records who ended it', async () => {
    const { w, revoke, revokeEarly } = setUp();
    const id = await grantFor(w, 30);
    w.announcements.said.length = 0;
    await expect(revokeEarly(id, 'UDEV')).resolves.toMatchObject({ status: 'ACTIVE', endedBy: 'UDEV' });
    expect(w.schedule.revokesNow).toEqual([id]);
    expect(w.announcements.said).toEqual([`audit ${w.audit.events.length}`]);

    await expect(revoke(id)).resolves.toBe('revoked');
    expect(await w.requests.get(id)).toMatchObject({ status: 'REVOKED', endedBy: 'UDEV' });
    expect(w.audit.events.at(-1)).toMatchObject({ actor: 'UDEV', action: 'revoked' });
    expect(w.announcements.said.slice(-2)).toEqual([`sync #${id} revoked`, `audit ${w.audit.events.length}`]);
    expect(w.targets.target('orders-db').held.size).toBe(0);
  });

  test('before the grant is applied: revoked at once, and the grant job then applies nothing', async () => {
    const { w, revokeEarly } = setUp();
    const { id } = w.requests.seed({ status: 'APPROVED' });
    await expect(revokeEarly(id, 'UDEV')).resolves.toMatchObject({ status: 'REVOKED' });
    expect(w.schedule.revokesNow).toEqual([]);
    expect(w.announcements.said).toEqual([`sync #${id} revoked`, 'audit 1']);
    await grantOrFail(w)(id, NOT_FINAL);
    expect(w.targets.target('orders-db').calls).toEqual([]);
  });

  test('by an approver of the level; refused to anyone else', async () => {
    const { w, revokeEarly } = setUp();
    const id = await grantFor(w, 30);
    await expect(revokeEarly(id, 'UCAROL')).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
    await expect(revokeEarly(id, 'UMGR2')).resolves.toMatchObject({ endedBy: 'UMGR2' });
  });

  test('nothing to revoke: a pending request, one already being revoked, one that does not exist', async () => {
    const { w, revokeEarly } = setUp();
    const { id: pending } = w.requests.seed();
    await expect(revokeEarly(pending, 'UDEV')).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringContaining('it is pending'),
    });
    const active = await grantFor(w, 30);
    await revokeEarly(active, 'UDEV');
    await expect(revokeEarly(active, 'UDEV')).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(revokeEarly(404, 'UDEV')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
