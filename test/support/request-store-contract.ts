import { randomBytes } from 'node:crypto';
import type { RequestStore } from '../../src/app/ports';
import type { AccessRequestRecord } from '../../src/domain/request';

/** A request row written as it is, in any state; what a contract case needs beyond the store itself. */
export type SeedFields = Partial<
  Pick<
    AccessRequestRecord,
    | 'level'
    | 'status'
    | 'approvalsRequired'
    | 'pendingExpiresAt'
    | 'expiresAt'
    | 'endedBy'
    | 'startsAt'
    | 'createdAt'
    | 'messageTs'
    | 'expiryWarningAt'
    | 'revokeFailedAt'
    | 'revokeFailedAlertedAt'
  >
> &
  Pick<AccessRequestRecord, 'resourceId' | 'requesterId' | 'targetIdentity'>;

export interface RequestStoreSubject {
  store(): RequestStore;
  /** Stores a request row as it is, the way a test writes straight into the table; returns its id. */
  seed(fields: SeedFields): Promise<number>;
  /** The actions of the request's audit rows, in order. */
  auditActions(requestId: number): Promise<string[]>;
  /** The store's notion of now: what its clock says (the fake) or the wall clock (PostgreSQL). */
  now(): Date;
}

/**
 * The rules every RequestStore keeps, run against the in-memory fake (test/unit/app) and PostgreSQL
 * (test/integration): the use-case tests prove something only while the fake keeps them too.
 */
export function requestStoreContract(name: string, subject: RequestStoreSubject): void {
  describe(`${name} keeps the RequestStore contract`, () => {
    // Each case on a resource of its own, so queries by resource see only its rows.
    const resource = () => `contract-${randomBytes(4).toString('hex')}`;
    const hours = (n: number) => new Date(subject.now().getTime() + n * 3600_000);
    const store = () => subject.store();
    const seed = (fields: Partial<SeedFields> & { resourceId: string }) =>
      subject.seed({ requesterId: 'UDEV', targetIdentity: 'alice', ...fields });

    test('a transition is a compare-and-set: only from a status leading there, once, with its audit row', async () => {
      const id = await seed({ resourceId: resource() });
      const granted = { actor: 'system', action: 'granted' } as const;
      expect(await store().transition(id, 'ACTIVE', { grantedAt: subject.now() }, granted)).toBeNull();
      expect(await subject.auditActions(id)).toEqual([]);

      await store().transition(id, 'TIMED_OUT', { decidedAt: subject.now() }, { actor: 'system', action: 'timed_out' });
      expect(await store().transition(id, 'TIMED_OUT', {}, { actor: 'system', action: 'timed_out' })).toBeNull();
      expect(await store().transition(id, 'APPROVED', {}, { actor: 'UMGR1', action: 'approved' })).toBeNull();
      expect((await store().get(id))?.status).toBe('TIMED_OUT');
      expect(await subject.auditActions(id)).toEqual(['timed_out']);
    });

    test('a transition records its patch and returns the request as it is now', async () => {
      const id = await seed({ resourceId: resource(), status: 'APPROVED' });
      const expiresAt = hours(1);
      const recorded = await store().transition(id, 'ACTIVE', { expiresAt, accessLines: ['psql'] }, { actor: 'system', action: 'granted' });
      expect(recorded?.request).toMatchObject({ id, status: 'ACTIVE', expiresAt, accessLines: ['psql'] });
      expect(recorded?.auditEventId).toEqual(expect.any(BigInt));
      expect(await store().get(id)).toMatchObject({ status: 'ACTIVE', expiresAt });
    });

    test('two approvals needed: counted per person, a second click by the same one records nothing', async () => {
      const id = await seed({ resourceId: resource(), approvalsRequired: 2 });
      expect((await store().approve(id, 'UMGR1', subject.now())).outcome).toEqual({ kind: 'recorded', approvals: 1, required: 2 });
      expect(await store().approve(id, 'UMGR1', subject.now())).toEqual({ outcome: { kind: 'duplicate' }, auditEventIds: [] });
      const second = await store().approve(id, 'UMGR2', subject.now());
      expect(second.outcome).toEqual({ kind: 'approved', approvals: 2 });
      expect(second.auditEventIds).toHaveLength(2);
      expect(await store().approve(id, 'UMGR3', subject.now())).toEqual({
        outcome: { kind: 'not_pending', status: 'APPROVED' },
        auditEventIds: [],
      });
      expect((await store().decisions(id)).map((d) => [d.userId, d.kind])).toEqual([
        ['UMGR1', 'APPROVE'],
        ['UMGR2', 'APPROVE'],
      ]);
      expect(await subject.auditActions(id)).toEqual(['approval_recorded', 'approval_recorded', 'approved']);
    });

    test('a denial ends a pending request once; a later decision finds it decided', async () => {
      const id = await seed({ resourceId: resource() });
      const denied = await store().deny(id, 'UMGR1', 'not now', subject.now());
      expect(denied && 'request' in denied && denied.request.status).toBe('DENIED');
      expect(await store().deny(id, 'UMGR2', null, subject.now())).toBeNull();
      expect((await store().approve(id, 'UMGR2', subject.now())).outcome).toEqual({ kind: 'not_pending', status: 'DENIED' });
      expect(await subject.auditActions(id)).toEqual(['denied']);
    });

    test.each(['approve', 'deny'] as const)('a decision (%s) past the pending timeout times the request out instead', async (decision) => {
      const id = await seed({ resourceId: resource(), pendingExpiresAt: new Date(subject.now().getTime() - 1000) });
      const now = subject.now();
      const outcome =
        decision === 'approve' ? (await store().approve(id, 'UMGR1', now)).outcome : await store().deny(id, 'UMGR1', null, now);
      expect(outcome).toMatchObject(decision === 'approve' ? { kind: 'timed_out' } : { timedOut: expect.any(BigInt) });
      expect(await store().get(id)).toMatchObject({ status: 'TIMED_OUT', decidedAt: now });
      expect(await store().decisions(id)).toEqual([]);
      expect(await subject.auditActions(id)).toEqual(['timed_out']);
    });

    test('an early revoke before the grant is applied revokes at once', async () => {
      const id = await seed({ resourceId: resource(), status: 'APPROVED' });
      const recorded = await store().requestRevoke(id, 'UDEV', subject.now());
      expect(recorded).toMatchObject({ pendingRemoval: false, request: { status: 'REVOKED', endedBy: 'UDEV' } });
      expect(await store().transition(id, 'ACTIVE', {}, { actor: 'system', action: 'granted' })).toBeNull();
      expect(await subject.auditActions(id)).toEqual(['revoked']);
    });

    test('an early revoke of a grant marks it for the revoke job, once; nothing to revoke is null', async () => {
      const active = await seed({ resourceId: resource(), status: 'ACTIVE', expiresAt: hours(1) });
      expect(await store().requestRevoke(active, 'UDEV', subject.now())).toMatchObject({
        pendingRemoval: true,
        request: { status: 'ACTIVE', endedBy: 'UDEV' },
      });
      expect(await store().requestRevoke(active, 'UMGR1', subject.now())).toBeNull();
      const pending = await seed({ resourceId: resource() });
      expect(await store().requestRevoke(pending, 'UDEV', subject.now())).toBeNull();
      expect(await subject.auditActions(active)).toEqual(['revoke_requested']);
    });

    test('an early revoke by the system keeps its reason, on the request and in the audit row', async () => {
      const active = await seed({ resourceId: resource(), status: 'ACTIVE', expiresAt: hours(1) });
      expect(await store().requestRevoke(active, 'system', subject.now(), 'idle for 30m')).toMatchObject({
        pendingRemoval: true,
        request: { endedBy: 'system', endReason: 'idle for 30m' },
      });
      expect(await subject.auditActions(active)).toEqual(['revoke_requested']);
    });

    test('live grants on idle-bound levels, oldest first; a session seen is recorded, never moved back', async () => {
      const onResource = resource();
      const seedHere = (fields: Partial<SeedFields>) => seed({ resourceId: onResource, ...fields });
      const live = await seedHere({ status: 'ACTIVE', expiresAt: hours(1) });
      const otherLevel = await seedHere({ status: 'ACTIVE', expiresAt: hours(1), level: 'write' });
      await seedHere({ status: 'ACTIVE', expiresAt: hours(1), level: 'admin' });
      await seedHere({ status: 'ACTIVE', expiresAt: hours(1), endedBy: 'UDEV' });
      await seedHere({ status: 'ACTIVE', expiresAt: hours(-1) });
      await seedHere({ status: 'APPROVED' });
      const levels = [
        { resourceId: onResource, level: 'read-only' },
        { resourceId: onResource, level: 'write' },
      ];
      const ids = (rows: AccessRequestRecord[]) => rows.map((r) => r.id);
      expect(ids(await store().liveGrantsOn(levels, subject.now(), 10))).toEqual([live, otherLevel]);
      expect(ids(await store().liveGrantsOn(levels, subject.now(), 1))).toEqual([live]);
      expect(await store().liveGrantsOn([], subject.now(), 10)).toEqual([]);

      const seenAt = hours(0.5);
      await store().recordSessionSeen(live, seenAt);
      await store().recordSessionSeen(live, new Date(seenAt.getTime() - 60_000));
      expect((await store().get(live))!.lastSessionSeenAt).toEqual(seenAt);
    });

    test('live on a resource: approved requests and live grants, not ended, expired or failing ones', async () => {
      const onResource = resource();
      const seedHere = (fields: Partial<SeedFields>) => seed({ resourceId: onResource, ...fields });
      const approved = await seedHere({ status: 'APPROVED' });
      const live = await seedHere({ status: 'ACTIVE', expiresAt: hours(1) });
      const otherIdentity = await seedHere({ status: 'ACTIVE', expiresAt: hours(1), targetIdentity: 'bob' });
      await seedHere({ status: 'ACTIVE', expiresAt: hours(1), endedBy: 'UDEV' });
      await seedHere({ status: 'ACTIVE', expiresAt: hours(-1) });
      await seedHere({ status: 'REVOKE_FAILED', expiresAt: hours(-1) });
      await seedHere({ status: 'PENDING' });
      await seedHere({ status: 'EXPIRED', expiresAt: hours(-1) });

      const ids = (rows: AccessRequestRecord[]) => rows.map((r) => r.id).sort((a, b) => a - b);
      expect(ids(await store().liveOn(onResource, subject.now()))).toEqual([approved, live, otherIdentity]);
      expect(ids(await store().liveOn(onResource, subject.now(), { identity: 'alice', exceptId: live }))).toEqual([approved]);
    });

    test("a level's holders: distinct identities with a live grant of it, but for one request's, the first few by name and all counted", async () => {
      const onResource = resource();
      const seedHere = (targetIdentity: string, fields: Partial<SeedFields> = {}) =>
        seed({ resourceId: onResource, targetIdentity, status: 'ACTIVE', expiresAt: hours(1), ...fields });
      for (const identity of ['dora', 'bob', 'carol', 'bob', 'erin']) await seedHere(identity);
      const asking = await seedHere('alice');
      await seedHere('wes', { level: 'write' });
      await seedHere('ended', { endedBy: 'UDEV' });
      await seedHere('past', { expiresAt: hours(-1) });
      await seedHere('soon', { status: 'APPROVED', expiresAt: null });
      await seedHere('failing', { status: 'REVOKE_FAILED' });

      const holders = (limit: number) => store().holdersOf(onResource, 'read-only', subject.now(), { exceptId: asking, limit });
      expect(await holders(3)).toEqual({ identities: ['bob', 'carol', 'dora'], total: 4 });
      expect(await holders(10)).toEqual({ identities: ['bob', 'carol', 'dora', 'erin'], total: 4 });
      expect(await store().holdersOf(resource(), 'read-only', subject.now(), { exceptId: asking, limit: 3 })).toEqual({
        identities: [],
        total: 0,
      });
    });

    test('an approved request waiting for its start is neither live nor due; near its start it is starting soon', async () => {
      const onResource = resource();
      const later = await seed({ resourceId: onResource, status: 'APPROVED', startsAt: hours(1) });
      const soonAt = hours(0.1);
      const soon = await seed({ resourceId: onResource, status: 'APPROVED', startsAt: soonAt });
      const started = await seed({ resourceId: onResource, status: 'APPROVED', startsAt: hours(-0.1) });
      const now = subject.now();

      expect((await store().liveOn(onResource, now)).map((r) => r.id)).toEqual([started]);
      const due = await store().due(now, hours(0.5), 1000);
      expect(due.approved).toContain(started);
      expect(due.approved).not.toContain(soon);
      expect(due.approved).not.toContain(later);
      expect(due.startingSoon.filter((s) => [later, soon, started].includes(s.id))).toEqual([{ id: soon, startsAt: soonAt }]);
    });

    test('awaiting a decision: pending on the levels, neither the person’s own, decided by them nor past its timeout; oldest first', async () => {
      const on = resource();
      const first = await seed({ resourceId: on });
      const second = await seed({ resourceId: on });
      const theirOwn = await seed({ resourceId: on, requesterId: 'UMGR1' });
      const approvedByThem = await seed({ resourceId: on, approvalsRequired: 2 });
      await store().approve(approvedByThem, 'UMGR1', subject.now());
      await seed({ resourceId: on, pendingExpiresAt: hours(-1) });
      await seed({ resourceId: on, status: 'DENIED' });
      await seed({ resourceId: resource() });
      const levels = [{ resourceId: on, level: 'read-only' }];
      const ids = (found: { requests: AccessRequestRecord[]; total: number }) => ({
        ids: found.requests.map((r) => r.id),
        total: found.total,
      });
      expect(ids(await store().awaitingDecision(levels, 'UMGR1', subject.now(), 10))).toEqual({ ids: [first, second], total: 2 });
      expect(ids(await store().awaitingDecision(levels, 'UMGR1', subject.now(), 1))).toEqual({ ids: [first], total: 2 });
      // Another approver has UMGR1's own request, and the one UMGR1 approved, still to decide.
      const forOther = ids(await store().awaitingDecision(levels, 'UMGR2', subject.now(), 10));
      expect(forOther.ids).toEqual([first, second, theirOwn, approvedByThem]);
    });

    test('a new request is refused by its quota before it is stored', async () => {
      const requesterId = `UQUOTA${randomBytes(3).toString('hex')}`;
      const data = {
        requesterId,
        resourceId: resource(),
        level: 'read-only',
        targetIdentity: 'alice',
        durationSeconds: 60,
        reason: 'quota',
        ticketUrl: null,
        approvalsRequired: 1,
        pendingExpiresAt: hours(1),
        startsAt: null,
        extendsRequestId: null,
      };
      const since = hours(-1);
      const quota = {
        since,
        admit: (recent: number) => {
          if (recent >= 1) throw new Error(`over the limit: ${recent}`);
        },
      };
      const { request } = await store().create(data, { actor: requesterId, action: 'requested' }, quota);
      expect(request).toMatchObject({ status: 'PENDING', requesterId });
      await expect(store().create(data, { actor: requesterId, action: 'requested' }, quota)).rejects.toThrow('over the limit: 1');
      expect(await store().countSince(requesterId, since)).toBe(1);
      expect(await subject.auditActions(request.id)).toEqual(['requested']);
    });

    test('the approval message is claimed and recorded once', async () => {
      const id = await seed({ resourceId: resource() });
      expect(await store().claimMessage(id, subject.now())).toBe(true);
      expect(await store().claimMessage(id, subject.now())).toBe(false);
      expect(await store().setMessage(id, 'CORDERS', '1.1')).toBe(true);
      expect(await store().setMessage(id, 'CORDERS', '2.2')).toBe(false);
      expect(await store().get(id)).toMatchObject({ channelId: 'CORDERS', messageTs: '1.1' });
    });

    test('a reminder step is claimed by one, taken over once stale, given back after a failed post, recorded once', async () => {
      const id = await seed({ resourceId: resource(), messageTs: '1.1' });
      const now = subject.now();
      const later = (ms: number) => new Date(now.getTime() + ms);
      expect(await store().claimStep(id, 'reminder', now)).toBe(true);
      expect(await store().claimStep(id, 'reminder', later(59_000))).toBe(false);
      // Each step has a claim of its own.
      expect(await store().claimStep(id, 'escalation', now)).toBe(true);
      // The claim of a worker that died is taken over; a give-back by the old claim leaves the new one.
      expect(await store().claimStep(id, 'reminder', later(61_000))).toBe(true);
      await store().releaseStep(id, 'reminder', now);
      expect(await store().claimStep(id, 'reminder', later(62_000))).toBe(false);
      await store().releaseStep(id, 'reminder', later(61_000));
      expect(await store().claimStep(id, 'reminder', later(62_000))).toBe(true);

      const reminded = { actor: 'system', action: 'reminded' } as const;
      expect(await store().recordStep(id, 'reminder', later(63_000), reminded)).toEqual(expect.any(BigInt));
      expect(await store().recordStep(id, 'reminder', later(64_000), reminded)).toBeNull();
      expect(await store().claimStep(id, 'reminder', later(200_000))).toBe(false);
      expect(await store().get(id)).toMatchObject({ remindedAt: later(63_000), escalatedAt: null });
      expect(await subject.auditActions(id)).toEqual(['reminded']);
    });

    test('a reminder step is never claimed for a decided request, or one past its pending timeout', async () => {
      const decided = await seed({ resourceId: resource(), messageTs: '1.1', status: 'APPROVED' });
      const timedOut = await seed({ resourceId: resource(), messageTs: '1.1', pendingExpiresAt: hours(-1) });
      expect(await store().claimStep(decided, 'reminder', subject.now())).toBe(false);
      expect(await store().claimStep(timedOut, 'escalation', subject.now())).toBe(false);
    });

    test('the reminder sweep reads pending requests old enough, with a posted message and a step left, oldest first', async () => {
      const onResource = resource();
      const seedHere = (fields: Partial<SeedFields>) => seed({ resourceId: onResource, messageTs: '1.1', ...fields });
      const threeHoursAgo = hours(-3);
      const older = await seedHere({ createdAt: threeHoursAgo });
      const old = await seedHere({ createdAt: hours(-2.5) });
      await seedHere({ createdAt: hours(-2), messageTs: null });
      await seedHere({ createdAt: hours(-2), status: 'DENIED' });
      await seedHere({ createdAt: hours(-2), pendingExpiresAt: hours(-1) });
      await seedHere({});
      const done = await seedHere({ createdAt: hours(-2) });
      await store().recordStep(done, 'reminder', subject.now(), { actor: 'system', action: 'reminded' });
      await store().recordStep(done, 'escalation', subject.now(), { actor: 'system', action: 'escalated' });
      const halfDone = await seedHere({ createdAt: hours(-2) });
      await store().recordStep(halfDone, 'reminder', subject.now(), { actor: 'system', action: 'reminded' });

      const awaiting = (await store().awaitingReminders(subject.now(), hours(-1), 1000)).filter((r) => r.resourceId === onResource);
      expect(awaiting.map((r) => r.id)).toEqual([older, old, halfDone]);
      expect(awaiting[2]).toMatchObject({ status: 'PENDING', level: 'read-only', messageTs: '1.1', escalatedAt: null });
      expect(awaiting[2]!.remindedAt).toBeInstanceOf(Date);
      expect(awaiting[0]!.createdAt).toEqual(threeHoursAgo);
    });

    test('a break-glass grant: stored approved, counted on its own, reviewed once, escalated once', async () => {
      const requesterId = `UGLASS${randomBytes(3).toString('hex').toUpperCase()}`;
      const since = hours(-1);
      const ordinary = {
        requesterId,
        resourceId: resource(),
        level: 'write',
        targetIdentity: 'alice',
        durationSeconds: 600,
        reason: 'INC-7',
        ticketUrl: null,
        approvalsRequired: 0,
        pendingExpiresAt: subject.now(),
        startsAt: null,
        extendsRequestId: null,
      };
      const data = { ...ordinary, status: 'APPROVED' as const, decidedAt: subject.now(), breakGlass: true, reviewDueAt: hours(-0.5) };
      const admitAll = { since, admit: () => undefined, breakGlassOnly: true };
      const { request } = await store().create(data, { actor: requesterId, action: 'break_glass' }, admitAll);
      await store().create(ordinary, { actor: requesterId, action: 'requested' }, admitAll);
      expect(request).toMatchObject({ status: 'APPROVED', breakGlass: true, reviewDueAt: data.reviewDueAt });
      expect(await store().countSince(requesterId, since, true)).toBe(1);
      expect(await store().countSince(requesterId, since)).toBe(2);

      expect((await store().reviewsDue(subject.now(), 10_000)).overdue).toContain(request.id);
      // Each leaves the message showing less than the request now holds: its shown status is forgotten, for the reconciler.
      await store().markMessageShown(request.id, 'APPROVED');
      expect((await store().claimReviewEscalation(request.id, subject.now()))?.request).toMatchObject({
        reviewEscalatedAt: expect.any(Date),
        messageStatus: null,
      });
      expect(await store().claimReviewEscalation(request.id, subject.now())).toBeNull();
      const due = await store().reviewsDue(subject.now(), 10_000);
      expect(due.overdue).not.toContain(request.id);
      expect(due.unsent).toContain(request.id);
      await store().markReviewEscalationSent(request.id);
      expect((await store().reviewsDue(subject.now(), 10_000)).unsent).not.toContain(request.id);

      await store().markMessageShown(request.id, 'APPROVED');
      expect((await store().recordReview(request.id, 'UMGR1', 'checked', subject.now()))?.request).toMatchObject({
        reviewedBy: 'UMGR1',
        reviewComment: 'checked',
        messageStatus: null,
      });
      expect(await store().recordReview(request.id, 'UMGR2', 'me too', subject.now())).toBeNull();
      expect(await subject.auditActions(request.id)).toEqual(['break_glass', 'break_glass_escalated', 'break_glass_reviewed']);
    });

    test('an expiry warning is claimed once, only while its grant is live, and recorded sent once with its audit row', async () => {
      const id = await seed({ resourceId: resource(), status: 'ACTIVE', expiresAt: hours(1) });
      const later = (ms: number) => new Date(subject.now().getTime() + ms);
      expect(await store().claimExpiryWarning(id, subject.now())).toBe(true);
      expect(await store().claimExpiryWarning(id, subject.now())).toBe(false);
      // A claim over a minute old is taken over: its worker died before the warning was recorded.
      expect(await store().claimExpiryWarning(id, later(61_000))).toBe(true);
      const warned = { actor: 'system', action: 'expiry_warned' } as const;
      expect(await store().markExpiryWarned(id, subject.now(), warned)).toEqual(expect.any(BigInt));
      expect(await store().markExpiryWarned(id, subject.now(), warned)).toBeNull();
      expect(await store().claimExpiryWarning(id, later(200_000))).toBe(false);
      expect(await subject.auditActions(id)).toEqual(['expiry_warned']);

      const ended = [
        await seed({ resourceId: resource(), status: 'ACTIVE', expiresAt: hours(1), endedBy: 'UDEV' }),
        await seed({ resourceId: resource(), status: 'EXPIRED', expiresAt: hours(-1) }),
        await seed({ resourceId: resource(), status: 'REVOKE_FAILED', expiresAt: hours(-1) }),
      ];
      for (const other of ended) expect(await store().claimExpiryWarning(other, subject.now())).toBe(false);
    });

    test('the expiry warnings due are those of live grants, not sent yet, falling due before the horizon', async () => {
      const at = hours(0.5);
      const live = { status: 'ACTIVE', expiresAt: hours(1) } as const;
      const due = await seed({ resourceId: resource(), ...live, expiryWarningAt: at });
      const notDue = [
        await seed({ resourceId: resource(), ...live, expiryWarningAt: hours(2), expiresAt: hours(3) }),
        await seed({ resourceId: resource(), ...live, expiryWarningAt: at, endedBy: 'UDEV' }),
        await seed({ resourceId: resource(), ...live, expiryWarningAt: null }),
        await seed({ resourceId: resource(), status: 'EXPIRED', expiresAt: hours(-1), expiryWarningAt: hours(-2) }),
      ];
      const sent = await seed({ resourceId: resource(), ...live, expiryWarningAt: at });
      await store().claimExpiryWarning(sent, subject.now());
      await store().markExpiryWarned(sent, subject.now(), { actor: 'system', action: 'expiry_warned' });

      const { warningsDue } = await store().due(subject.now(), hours(1), 1000);
      expect(warningsDue).toContainEqual({ id: due, at });
      const ids = warningsDue.map((w) => w.id);
      for (const id of [...notDue, sent]) expect(ids).not.toContain(id);
    });

    test('a failing revoke is owed its alert a threshold after it failed, then after each alert; recorded once per threshold', async () => {
      const now = subject.now();
      const failing = (fields: Partial<SeedFields>) => seed({ resourceId: resource(), status: 'REVOKE_FAILED', ...fields });
      const longFailing = await failing({ revokeFailedAt: hours(-1) });
      const justFailed = await failing({ revokeFailedAt: now });
      const alertedLately = await failing({ revokeFailedAt: hours(-2), revokeFailedAlertedAt: hours(-0.1) });
      const ended = await seed({ resourceId: resource(), status: 'EXPIRED', revokeFailedAt: hours(-2) });
      const mine = [longFailing, justFailed, alertedLately, ended];
      const due = async (at: Date) => (await store().revokeFailuresDue(at, 900, 1000)).map((r) => r.id).filter((id) => mine.includes(id));
      expect(await due(now)).toEqual([longFailing]);

      const alert = { actor: 'system', action: 'revoke_failed_alert' } as const;
      expect(await store().recordRevokeFailureAlert(longFailing, now, 900, alert)).not.toBeNull();
      expect(await store().recordRevokeFailureAlert(longFailing, now, 900, alert)).toBeNull();
      for (const id of [justFailed, alertedLately, ended]) expect(await store().recordRevokeFailureAlert(id, now, 900, alert)).toBeNull();
      expect((await store().get(longFailing))?.revokeFailedAlertedAt).toEqual(now);
      expect(await subject.auditActions(longFailing)).toEqual(['revoke_failed_alert']);
      expect(await due(now)).toEqual([]);

      // A threshold later every one still failing is owed one, longest failing first.
      expect(await due(new Date(now.getTime() + 900_000))).toEqual([alertedLately, longFailing, justFailed]);
    });
  });
}
