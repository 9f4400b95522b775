import { extensionForm, listRequests, submitExtension, submitRequest } from '../../../src/app/requests';
import type { AccessRequestRecord } from '../../../src/domain/request';
import { fakeWorld, type FakeWorld } from '../../support/fakes';

const ask = { resourceId: 'orders-db', levelId: 'read-only', duration: '30m', reason: 'INC-42' };

function setUp() {
  const w = fakeWorld();
  w.directory.profiles.set('UCAROL', { email: 'carol@example.com', emailConfirmed: true });
  w.directory.profiles.set('UOTHER', { email: 'dev@example.com', emailConfirmed: true });
  return { w, submit: submitRequest(w), extend: submitExtension(w) };
}

/** A grant of UDEV's that is live now, as the grant job leaves it. */
function liveGrant(w: FakeWorld, fields: Partial<AccessRequestRecord> = {}) {
  return w.requests.seed({
    status: 'ACTIVE',
    expiresAt: new Date(w.clock.now().getTime() + 600_000),
    ticketUrl: 'https://tickets.example.com/INC-42',
    ...fields,
  });
}

describe('submitRequest', () => {
  test('stores a pending request under the mapped identity, schedules its timeout and announces it', async () => {
    const { w, submit } = setUp();
    const request = await submit('UDEV', ask);

    expect(request).toMatchObject({ status: 'PENDING', targetIdentity: 'dev', durationSeconds: 1800, approvalsRequired: 1 });
    expect(request.pendingExpiresAt).toEqual(new Date(w.clock.now().getTime() + 3600_000));
    expect(w.schedule.pendingTimeouts).toEqual([{ requestId: request.id, at: request.pendingExpiresAt }]);
    expect(w.announcements.said).toEqual([`sync #${request.id}`, 'audit 1']);
    expect(w.audit.events[0]).toMatchObject({ actor: 'UDEV', action: 'requested', detail: { identity: 'dev', durationSeconds: 1800 } });
  });

  test('an identity derived from a confirmed email in an allowed domain', async () => {
    const { submit } = setUp();
    expect((await submit('UCAROL', ask)).targetIdentity).toBe('carol');
  });

  test('a level that names its requesters is refused to anyone else, before anything is stored', async () => {
    const { w, submit } = setUp();
    await expect(submit('UCAROL', { ...ask, resourceId: 'flags', levelId: 'toggle' })).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
    await expect(submit('UDEV', { ...ask, resourceId: 'flags', levelId: 'toggle' })).resolves.toMatchObject({ status: 'PENDING' });
    expect(await w.requests.listForRequester('UCAROL')).toEqual([]);
  });

  test('bad input is refused saying why, and nothing is stored or announced', async () => {
    const { w, submit } = setUp();
    await expect(submit('UDEV', { ...ask, duration: '5h' })).rejects.toMatchObject({ code: 'DURATION_TOO_LONG' });
    await expect(submit('UNOBODY', ask)).rejects.toMatchObject({ code: 'NO_IDENTITY' });
    expect(w.audit.events).toEqual([]);
    expect(w.announcements.said).toEqual([]);
  });

  test('past the rate limit a request is refused', async () => {
    const { w, submit } = setUp();
    for (let n = 0; n < w.rateLimit.requests; n++) await submit('UDEV', ask);
    await expect(submit('UDEV', ask)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    w.clock.advance(w.rateLimit.windowSeconds * 1000 + 1);
    await expect(submit('UDEV', ask)).resolves.toMatchObject({ status: 'PENDING' });
  });

  test("a requester the catalog's map names is counted once, under the lock at insert; one read from Slack also before", async () => {
    const { w, submit } = setUp();
    const countSince = jest.spyOn(w.requests, 'countSince');
    await submit('UDEV', ask);
    expect(countSince).toHaveBeenCalledTimes(1); // the fake's create counts through countSince
    countSince.mockClear();
    await submit('UCAROL', ask);
    expect(countSince).toHaveBeenCalledTimes(2);
  });

  test("an identity the catalog's map gives to someone else is refused, audited and announced", async () => {
    const { w, submit } = setUp();
    // UOTHER's email derives `dev`, which the map gives UDEV.
    await expect(submit('UOTHER', ask)).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
    expect(w.audit.events).toEqual([
      expect.objectContaining({
        requestId: null,
        actor: 'UOTHER',
        action: 'identity_conflict',
        detail: expect.objectContaining({ heldBy: 'UDEV' }),
      }),
    ]);
    expect(w.announcements.said).toEqual(['audit 1']);
    expect(await w.requests.listForRequester('UOTHER')).toEqual([]);
  });

  test('an identity first claimed through one profile is refused to another profile deriving it', async () => {
    const { w, submit } = setUp();
    w.directory.profiles.set('UCAROL2', { email: 'carol@example.com', emailConfirmed: true });
    await submit('UCAROL', ask);
    await expect(submit('UCAROL2', ask)).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
    await expect(submit('UCAROL', ask)).resolves.toMatchObject({ targetIdentity: 'carol' });
  });
});

describe('submitRequest with a start', () => {
  // The fake clock says 2030-01-01 09:00 UTC: 10:00 in Paris.
  test('a wall-clock start is read in the requester’s Slack time zone, the mapped one’s looked up for it alone', async () => {
    const { w, submit } = setUp();
    w.directory.profiles.set('UDEV', { emailConfirmed: false, timeZone: 'Europe/Paris' });
    const profile = jest.spyOn(w.directory, 'profile');
    const request = await submit('UDEV', { ...ask, start: { text: '22:00' } });

    const startsAt = new Date('2030-01-01T21:00:00Z');
    expect(request).toMatchObject({ startsAt, status: 'PENDING' });
    expect(profile).toHaveBeenCalledTimes(1);
    // The approvers have until the start, later than the pending timeout.
    expect(request.pendingExpiresAt).toEqual(startsAt);
    expect(w.audit.events[0]?.detail).toMatchObject({ startsAt: startsAt.toISOString(), durationSeconds: 1800 });
  });

  test('a start with its offset reads no profile', async () => {
    const { w, submit } = setUp();
    const profile = jest.spyOn(w.directory, 'profile');
    const request = await submit('UDEV', { ...ask, start: { text: '2030-01-01T12:00+01:00' } });
    expect(request.startsAt).toEqual(new Date('2030-01-01T11:00:00Z'));
    expect(profile).not.toHaveBeenCalled();
  });

  test.each([
    ['in the past', '2030-01-01T08:00Z', /in the past/],
    ['too far ahead', '2030-01-09T09:00Z', /at most 7 days/],
    ['unreadable', 'tonight', /not a start time/],
  ])('a start %s is refused, and nothing is stored, scheduled or announced', async (_case, text, message) => {
    const { w, submit } = setUp();
    await expect(submit('UDEV', { ...ask, start: { text } })).rejects.toMatchObject({
      code: 'INVALID_START',
      message: expect.stringMatching(message),
    });
    expect(await w.requests.listForRequester('UDEV')).toEqual([]);
    expect(w.schedule.pendingTimeouts).toEqual([]);
    expect(w.announcements.said).toEqual([]);
  });
});

describe('submitExtension', () => {
  const more = (requestId: number) => ({ requestId, duration: '20m', reason: 'still migrating' });

  test('a new request for the same resource, level and identity, linked to the live grant it extends', async () => {
    const { w, extend } = setUp();
    const original = liveGrant(w);
    const extension = await extend('UDEV', more(original.id));
    expect(extension).toMatchObject({
      id: original.id + 1,
      status: 'PENDING',
      resourceId: 'orders-db',
      level: 'read-only',
      targetIdentity: 'dev',
      durationSeconds: 1200,
      ticketUrl: original.ticketUrl,
      extendsRequestId: original.id,
    });
    expect(w.audit.events[0]?.detail).toMatchObject({ extends: original.id });
  });

  test('refused under another identity than the grant it extends: it would not keep that access', async () => {
    const { w, extend } = setUp();
    const original = liveGrant(w, { targetIdentity: 'devold' });
    await expect(extend('UDEV', more(original.id))).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringContaining('You now map to `dev` on orders-db, not `devold`'),
    });
    expect(await w.requests.listForRequester('UDEV')).toHaveLength(1);
  });

  test('only the requester extends, and only a live grant', async () => {
    const { w, extend } = setUp();
    await expect(extend('UCAROL', more(liveGrant(w).id))).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
    await expect(extend('UDEV', more(liveGrant(w, { endedBy: 'UDEV' }).id))).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringContaining('being revoked'),
    });
    const expired = liveGrant(w, { expiresAt: w.clock.now() });
    await expect(extend('UDEV', more(expired.id))).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(extend('UDEV', more(999))).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Request #999 does not exist.' });
  });
});

test("listRequests: the requester's own requests, newest first", async () => {
  const { w, submit } = setUp();
  const first = await submit('UDEV', ask);
  await submit('UCAROL', ask);
  const second = await submit('UDEV', ask);
  expect((await listRequests(w)('UDEV')).map((r) => r.id)).toEqual([second.id, first.id]);
});

describe('extensionForm', () => {
  test('the requester’s own live grant, with the catalog entry its form is filled in from', async () => {
    const { w } = setUp();
    const form = extensionForm(w);
    const original = liveGrant(w);
    const { request, resource, level } = await form(original.id, 'UDEV');
    expect([request.id, resource.id, level.id, level.defaultDurationSeconds]).toEqual([original.id, 'orders-db', 'read-only', 3600]);
  });

  test('refused as the extension itself would be: someone else, or a grant no longer live', async () => {
    const { w } = setUp();
    const form = extensionForm(w);
    await expect(form(liveGrant(w).id, 'UCAROL')).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
    await expect(form(liveGrant(w, { status: 'EXPIRED' }).id, 'UDEV')).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(form(999, 'UDEV')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
