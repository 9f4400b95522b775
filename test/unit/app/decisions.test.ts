import { approveRequest, denyRequest } from '../../../src/app/decisions';
import { fakeWorld } from '../../support/fakes';

function setUp() {
  const w = fakeWorld();
  const pending = (level = 'read-only', approvalsRequired = 1) => w.requests.seed({ level, approvalsRequired }).id;
  return { w, pending, approve: approveRequest(w), deny: denyRequest(w) };
}

describe('who may decide', () => {
  test.each(['approve', 'deny'] as const)('the requester cannot %s their own request: refused, audited, announced', async (decision) => {
    const { w, pending, approve, deny } = setUp();
    const code = 'SELF_APPROVAL';
    const id = pending();
    const decide = decision === 'approve' ? approve(id, 'UDEV') : deny(id, 'UDEV', null);
    await expect(decide).rejects.toMatchObject({ code });
    expect(w.audit.events).toEqual([
      expect.objectContaining({ requestId: id, actor: 'UDEV', action: 'refused', detail: expect.objectContaining({ code }) }),
    ]);
    expect(w.announcements.said).toEqual(['audit 1']);
    expect((await w.requests.get(id))?.status).toBe('PENDING');
    expect(w.schedule.grants).toEqual([]);
  });

  test('someone who is not an approver of the level is refused and audited', async () => {
    const { w, pending, approve } = setUp();
    const id = pending();
    await expect(approve(id, 'UOUTSIDER')).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
    expect(w.audit.actions(id)).toEqual(['refused']);
    expect((await w.requests.get(id))?.status).toBe('PENDING');
  });

  test('a member of an approver group may approve', async () => {
    const { w, pending, approve } = setUp();
    w.directory.memberships.set('UDBA', ['SDBAS']);
    const id = pending();
    await expect(approve(id, 'UDBA')).resolves.toEqual({ kind: 'approved' });
  });

  test('a request that does not exist', async () => {
    const { approve } = setUp();
    await expect(approve(404, 'UMGR1')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Request #404 does not exist.' });
  });
});

describe('approveRequest', () => {
  test('one approval where one is needed: approved, the grant scheduled, the requester told', async () => {
    const { w, pending, approve } = setUp();
    const id = pending();
    await expect(approve(id, 'UMGR1')).resolves.toEqual({ kind: 'approved' });
    expect(await w.requests.get(id)).toMatchObject({ status: 'APPROVED', decidedAt: w.clock.now() });
    expect(w.schedule.grants).toEqual([id]);
    expect(w.announcements.said).toEqual([`sync #${id} approved`, 'audit 1,2']);
    expect(w.audit.actions(id)).toEqual(['approval_recorded', 'approved']);
  });

  test('two approvals needed: the first is recorded, the same approver again is refused, a second person approves', async () => {
    const { w, pending, approve } = setUp();
    const id = pending('write', 2);
    await expect(approve(id, 'UMGR1')).resolves.toEqual({ kind: 'approval_recorded', approvals: 1, required: 2 });
    expect(w.schedule.grants).toEqual([]);
    expect(w.announcements.said).toEqual([`sync #${id}`, 'audit 1']);

    await expect(approve(id, 'UMGR1')).rejects.toMatchObject({ code: 'ALREADY_DECIDED' });
    expect((await w.requests.get(id))?.status).toBe('PENDING');

    await expect(approve(id, 'UMGR2')).resolves.toEqual({ kind: 'approved' });
    expect(w.schedule.grants).toEqual([id]);
    expect(w.audit.actions(id)).toEqual(['approval_recorded', 'approval_recorded', 'approved']);
  });

  test('a click on a request already decided changes nothing and says what it is', async () => {
    const { w, pending, approve, deny } = setUp();
    const id = pending();
    await deny(id, 'UMGR1', null);
    const said = w.announcements.said.length;
    await expect(approve(id, 'UMGR2')).resolves.toEqual({ kind: 'already_decided', status: 'DENIED' });
    expect(w.schedule.grants).toEqual([]);
    expect(w.announcements.said).toHaveLength(said);
  });
});

describe('denyRequest', () => {
  test('denied with the comment, the requester told', async () => {
    const { w, pending, deny } = setUp();
    const id = pending();
    await expect(deny(id, 'UMGR1', '  not during the freeze ')).resolves.toEqual({ kind: 'denied' });
    expect(await w.requests.get(id)).toMatchObject({ status: 'DENIED' });
    expect(w.audit.events).toEqual([expect.objectContaining({ action: 'denied', detail: { comment: 'not during the freeze' } })]);
    expect(w.announcements.said).toEqual([`sync #${id} denied`, 'audit 1']);
  });

  test('denied twice: the second finds it decided', async () => {
    const { pending, deny } = setUp();
    const id = pending();
    await deny(id, 'UMGR1', null);
    await expect(deny(id, 'UMGR2', '')).resolves.toEqual({ kind: 'already_decided', status: 'DENIED' });
  });
});

test.each(['approve', 'deny'] as const)(
  'a decision (%s) after the pending timeout times the request out, says so, and decides nothing',
  async (decision) => {
    const { w, pending, approve, deny } = setUp();
    const id = pending();
    w.clock.advance(3600_000);
    const decide = decision === 'approve' ? approve(id, 'UMGR1') : deny(id, 'UMGR1', null);
    await expect(decide).rejects.toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('has timed out') });
    expect((await w.requests.get(id))?.status).toBe('TIMED_OUT');
    expect(w.announcements.said).toEqual([`sync #${id} timed_out`, 'audit 1']);
    expect(w.schedule.grants).toEqual([]);
  },
);

describe('approving a request with a scheduled start', () => {
  test('before the start: the grant is scheduled at the start, and the approver is told when', async () => {
    const { w, approve } = setUp();
    const startsAt = new Date(w.clock.now().getTime() + 3600_000);
    const id = w.requests.seed({ startsAt }).id;
    await expect(approve(id, 'UMGR1')).resolves.toEqual({ kind: 'approved', startsAt });
    expect(w.schedule.scheduledGrants).toEqual([{ requestId: id, at: startsAt }]);
    expect(w.schedule.grants).toEqual([]);
  });

  test('after the start: granted at once', async () => {
    const { w, approve } = setUp();
    const id = w.requests.seed({ startsAt: new Date(w.clock.now().getTime() - 60_000) }).id;
    await expect(approve(id, 'UMGR1')).resolves.toEqual({ kind: 'approved' });
    expect(w.schedule.grants).toEqual([id]);
    expect(w.schedule.scheduledGrants).toEqual([]);
  });
});
