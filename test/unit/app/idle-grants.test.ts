import { sampleIdleGrants } from '../../../src/app/idle-grants';
import { revokeGrant } from '../../../src/app/revokes';
import type { Catalog } from '../../../src/domain/catalog';
import type { IdleRule } from '../../../src/domain/idle';
import { type FakeWorld, fakeWorld, grantAccess as grantOneHour, TEST_CATALOG } from '../../support/fakes';
import type { AccessRequestRecord } from '../../../src/domain/request';

const MINUTE = 60_000;

/** A grant of two hours, so the idle timeouts here fall well before its expiry. */
const grantAccess = (w: FakeWorld, fields: Partial<AccessRequestRecord> = {}) => grantOneHour(w, { durationSeconds: 7200, ...fields });

/** The test catalog with orders-db's read-only level idle-bound by `idle`. */
function idleCatalog(idle: IdleRule): Catalog {
  const [orders, ...rest] = TEST_CATALOG.resources;
  return {
    ...TEST_CATALOG,
    resources: [{ ...orders!, levels: orders!.levels.map((l) => (l.id === 'read-only' ? { ...l, idle } : l)) }, ...rest],
  };
}

function setUp(idle: IdleRule = { idleTimeoutSeconds: 30 * 60, endsWithSession: false }) {
  const w = fakeWorld(idleCatalog(idle));
  return { w, sample: sampleIdleGrants(w), target: w.targets.target('orders-db') };
}

describe('the session sampler', () => {
  test('a grant with no session for the idle timeout is ended early by the system, with the reason audited', async () => {
    const { w, sample, target } = setUp();
    const id = await grantAccess(w);
    w.clock.advance(29 * MINUTE);
    await expect(sample()).resolves.toEqual({ sampled: 1, ended: [], unreadable: [] });
    w.clock.advance(MINUTE);
    await expect(sample()).resolves.toEqual({ sampled: 1, ended: [{ id, reason: 'idle for 30m' }], unreadable: [] });
    expect(await w.requests.get(id)).toMatchObject({ endedBy: 'system', endReason: 'idle for 30m' });
    expect(w.audit.events.at(-1)).toMatchObject({ actor: 'system', action: 'revoke_requested', detail: { reason: 'idle for 30m' } });
    expect(w.schedule.revokesNow).toEqual([id]);

    // The revoke job ends it as any early revoke, the reason kept in its audit row.
    await revokeGrant(w)(id);
    expect(await w.requests.get(id)).toMatchObject({ status: 'REVOKED' });
    expect(target.held.size).toBe(0);
    expect(w.audit.events.at(-1)).toMatchObject({
      actor: 'system',
      action: 'revoked',
      detail: { verified: 'removed', reason: 'idle for 30m' },
    });
  });

  test('an open session is recorded and keeps the grant; the timeout counts from the last one seen', async () => {
    const { w, sample, target } = setUp();
    const id = await grantAccess(w);
    target.openSession('dev');
    w.clock.advance(40 * MINUTE);
    await expect(sample()).resolves.toMatchObject({ ended: [] });
    const seenAt = w.clock.now();
    expect((await w.requests.get(id))!.lastSessionSeenAt).toEqual(seenAt);

    target.closeSessions('dev');
    w.clock.advance(29 * MINUTE);
    await expect(sample()).resolves.toMatchObject({ ended: [] });
    expect((await w.requests.get(id))!.lastSessionSeenAt).toEqual(seenAt);
    w.clock.advance(MINUTE);
    await expect(sample()).resolves.toMatchObject({ ended: [{ id }] });
  });

  test('a target that cannot be read keeps its grants, and says so', async () => {
    const { w, sample, target } = setUp();
    const id = await grantAccess(w);
    w.clock.advance(60 * MINUTE);
    target.sessionsFailNext = new Error('connection refused');
    await expect(sample()).resolves.toEqual({ sampled: 1, ended: [], unreadable: [{ id, reason: 'connection refused' }] });
    expect(await w.requests.get(id)).toMatchObject({ endedBy: null });
  });

  test('endsWithSession: the grant ends once its first session has closed', async () => {
    const { w, sample, target } = setUp({ idleTimeoutSeconds: null, endsWithSession: true });
    const id = await grantAccess(w);
    w.clock.advance(60 * MINUTE);
    await expect(sample()).resolves.toMatchObject({ ended: [] });
    target.openSession('dev');
    await expect(sample()).resolves.toMatchObject({ ended: [] });
    target.closeSessions('dev');
    await expect(sample()).resolves.toEqual({ sampled: 1, ended: [{ id, reason: 'its session closed' }], unreadable: [] });
  });

  test('only live grants on idle-bound levels are read; a grant someone is revoking is left to them', async () => {
    const { w, sample, target } = setUp();
    const other = await grantAccess(w, { level: 'write' });
    const revoking = await grantAccess(w, { targetIdentity: 'ann' });
    await w.requests.requestRevoke(revoking, 'UDEV', w.clock.now());
    w.clock.advance(60 * MINUTE - 1);
    await expect(sample()).resolves.toEqual({ sampled: 0, ended: [], unreadable: [] });
    expect(target.calls.filter((c) => c.startsWith('sessions'))).toEqual([]);
    expect(await w.requests.get(other)).toMatchObject({ endedBy: null });
  });

  test('a catalog without idle-bound levels reads nothing', async () => {
    const w = fakeWorld();
    await grantAccess(w);
    w.clock.advance(60 * MINUTE);
    await expect(sampleIdleGrants(w)()).resolves.toEqual({ sampled: 0, ended: [], unreadable: [] });
  });
});

test('targets are read a few at a time, and one grant that cannot be recorded holds back none of the others', async () => {
  const w = fakeWorld(idleCatalog({ idleTimeoutSeconds: 30 * 60, endsWithSession: false }));
  const target = w.targets.target('orders-db');
  const ids: number[] = [];
  for (const identity of ['ann', 'bob', 'cid', 'dan', 'eve']) ids.push(await grantAccess(w, { targetIdentity: identity }));
  let reading = 0;
  let most = 0;
  const list = target.sessions!;
  target.sessions = async (spec) => {
    most = Math.max(most, ++reading);
    await new Promise((resolve) => setTimeout(resolve, 5));
    reading--;
    return list(spec);
  };
  const requestRevoke = w.requests.requestRevoke.bind(w.requests);
  w.requests.requestRevoke = async (id, ...rest) => {
    if (id === ids[0]) throw new Error('database unavailable');
    return requestRevoke(id, ...rest);
  };
  w.clock.advance(30 * MINUTE);
  await expect(sampleIdleGrants({ ...w, concurrency: 2 })()).rejects.toThrow('database unavailable');
  expect(most).toBe(2);
  expect(w.schedule.revokesNow).toEqual(ids.slice(1));
});
