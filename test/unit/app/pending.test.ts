import { expirePending } from '../../../src/app/pending';
import { fakeWorld } from '../../support/fakes';

function setUp() {
  const w = fakeWorld();
  const { id } = w.requests.seed();
  return { w, id, expire: expirePending(w) };
}

describe('the pending timeout', () => {
  test('nobody decided in time: the request times out, its message and the requester say so', async () => {
    const { w, id, expire } = setUp();
    w.clock.advance(3600_000);
    await expire(id);
    expect(await w.requests.get(id)).toMatchObject({ status: 'TIMED_OUT', decidedAt: w.clock.now() });
    expect(w.audit.events).toEqual([expect.objectContaining({ requestId: id, actor: 'system', action: 'timed_out' })]);
    expect(w.announcements.said).toEqual([`sync #${id} timed_out`, 'audit 1']);
  });

  test('a job that runs early, twice, or after a decision changes nothing', async () => {
    const { w, id, expire } = setUp();
    await expire(id);
    expect((await w.requests.get(id))?.status).toBe('PENDING');

    w.clock.advance(3600_000);
    await expire(id);
    await expire(id);
    expect(w.audit.actions(id)).toEqual(['timed_out']);

    const { id: approved } = w.requests.seed({ status: 'APPROVED' });
    w.clock.advance(2 * 3600_000);
    await expire(approved);
    await expire(404);
    expect((await w.requests.get(approved))?.status).toBe('APPROVED');
    expect(w.announcements.said).toHaveLength(2);
  });
});
