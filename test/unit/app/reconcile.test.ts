import { escalateOverdueReviews } from '../../../src/app/break-glass';
import { expirePending } from '../../../src/app/pending';
import { reconcile } from '../../../src/app/reconcile';
import { alertRevokeFailures } from '../../../src/app/revoke-failed';
import type { AccessRequestRecord } from '../../../src/domain/request';
import { fakeWorld } from '../../support/fakes';

const INTERVAL_SECONDS = 30;
const MINUTE = 60_000;
const ALERT_SECONDS = 900;

function setUp() {
  const w = fakeWorld();
  const seed = (fields: Partial<AccessRequestRecord>) => w.requests.seed(fields).id;
  const pass = reconcile({
    ...w,
    expirePending: expirePending(w),
    escalateReviews: escalateOverdueReviews(w),
    alertRevokeFailures: alertRevokeFailures({ ...w, thresholdSeconds: ALERT_SECONDS }),
    intervalSeconds: INTERVAL_SECONDS,
  });
  const inMinutes = (n: number) => new Date(w.clock.now().getTime() + n * MINUTE);
  return { w, seed, pass, inMinutes };
}

/** Redis lost every schedule: the reconciler puts back what the database says is still needed. */
describe('reconcile re-derives lost schedules from the database', () => {
  test('pending timeouts, grants waiting for their job, revokes overdue and about to fall due', async () => {
    const { w, seed, pass, inMinutes } = setUp();
    const overdue = seed({ pendingExpiresAt: inMinutes(-1) });
    const stillPending = seed({ pendingExpiresAt: inMinutes(10) });
    const approved = seed({ status: 'APPROVED' });
    const pastExpiry = seed({ status: 'ACTIVE', expiresAt: inMinutes(-5) });
    const failingRevoke = seed({ status: 'REVOKE_FAILED', expiresAt: inMinutes(-10) });
    const endingSoon = seed({ status: 'ACTIVE', expiresAt: inMinutes(0.5) });
    const endingLater = seed({ status: 'ACTIVE', expiresAt: inMinutes(30) });

    const report = await pass();

    expect(report).toMatchObject({ timedOut: 1, grantsRequeued: 1, revokesDue: 2, revokesEnsured: 1 });
    expect((await w.requests.get(overdue))?.status).toBe('TIMED_OUT');
    expect((await w.requests.get(stillPending))?.status).toBe('PENDING');
    expect(w.schedule.grants).toEqual([approved]);
    expect(w.schedule.revokesNow).toEqual([failingRevoke, pastExpiry]);
    expect(w.schedule.revokes).toEqual([{ requestId: endingSoon, at: inMinutes(0.5) }]);
    expect(w.schedule.revokes.map((r) => r.requestId)).not.toContain(endingLater);
  });

  test('a scheduled grant: put back at its start once the start is before the horizon, at once once it has come', async () => {
    const { w, seed, pass, inMinutes } = setUp();
    const startingSoon = seed({ status: 'APPROVED', startsAt: inMinutes(0.5) });
    const startingLater = seed({ status: 'APPROVED', startsAt: inMinutes(30) });
    const started = seed({ status: 'APPROVED', startsAt: inMinutes(-1) });

    expect(await pass()).toMatchObject({ grantsRequeued: 1, grantsScheduled: 1 });
    expect(w.schedule.scheduledGrants).toEqual([{ requestId: startingSoon, at: inMinutes(0.5) }]);
    expect(w.schedule.grants).toEqual([started]);
    expect(w.schedule.grants).not.toContain(startingLater);
  });

  test('Slack messages whose jobs were lost go again, once they had time to go on their own', async () => {
    const { w, seed, pass, inMinutes } = setUp();
    const lagging = seed({ status: 'APPROVED', messageStatus: 'PENDING', decidedAt: w.clock.now() });
    const untold = seed({ status: 'DENIED', messageStatus: 'DENIED', decidedAt: w.clock.now() });
    const undelivered = seed({ status: 'ACTIVE', messageStatus: 'ACTIVE', grantedAt: w.clock.now(), expiresAt: inMinutes(60) });
    const secret = seed({
      status: 'EXPIRED',
      messageStatus: 'EXPIRED',
      notifiedStatus: 'EXPIRED',
      endedAt: w.clock.now(),
      secretDmTs: '1.2',
    });
    const eventId = await w.requests.audit(lagging, { actor: 'system', action: 'granted' });

    expect((await pass()).slackResent).toBe(0);
    expect(w.announcements.said).toEqual(['audit ']);

    w.clock.advance(2 * INTERVAL_SECONDS * 1000 + 1);
    w.announcements.said.length = 0;
    expect((await pass()).slackResent).toBe(5);
    expect(w.announcements.said).toEqual([
      `resync #${lagging}`,
      `notify #${untold} denied`,
      `resend access #${undelivered}`,
      `clear secret #${secret}`,
      `audit ${eventId}`,
    ]);
  });

  test('what is older than the catch-up window is history and is not sent again', async () => {
    const { w, seed, pass } = setUp();
    seed({ status: 'DENIED', decidedAt: w.clock.now() });
    await w.requests.audit(null, { actor: 'system', action: 'drift_found' });
    w.clock.advance(8 * 24 * 3600_000);
    expect((await pass()).slackResent).toBe(0);
  });
});
