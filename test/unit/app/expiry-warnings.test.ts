import { escalateOverdueReviews } from '../../../src/app/break-glass';
import { warnBeforeExpiry } from '../../../src/app/expiry-warnings';
import { grantOrFail } from '../../../src/app/grants';
import { expirePending } from '../../../src/app/pending';
import type { RequestFacts } from '../../../src/app/ports';
import { reconcile } from '../../../src/app/reconcile';
import { alertRevokeFailures } from '../../../src/app/revoke-failed';
import type { AccessRequestRecord } from '../../../src/domain/request';
import { fakeWorld, NOT_FINAL } from '../../support/fakes';

const MINUTE = 60_000;

/** The warnings sent, each as `#id` or `#id covered by #other`. */
class WarningMessenger {
  readonly sent: string[] = [];
  failNext?: Error;

  async sendExpiryWarning({ request }: RequestFacts, coveredBy: AccessRequestRecord | null) {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.sent.push(`#${request.id}${coveredBy ? ` covered by #${coveredBy.id}` : ''}`);
  }
}

function setUp() {
  const w = fakeWorld();
  const messenger = new WarningMessenger();
  const warn = warnBeforeExpiry({ ...w, messenger });
  const inMinutes = (n: number) => new Date(w.clock.now().getTime() + n * MINUTE);
  /** A live grant of read-only on orders-db for dev, ending in 10 minutes and warned about from 2 minutes before. */
  const grant = (fields: Partial<AccessRequestRecord> = {}) =>
    w.requests.seed({ status: 'ACTIVE', grantedAt: inMinutes(-50), expiresAt: inMinutes(10), expiryWarningAt: inMinutes(8), ...fields }).id;
  return { w, messenger, warn, inMinutes, grant };
}

describe('the expiry warning', () => {
  test('the grant job records when it is due and schedules it; a level that warns of nothing gets none', async () => {
    const { w } = setUp();
    const grant = grantOrFail(w);
    const id = w.requests.seed({ status: 'APPROVED', durationSeconds: 3600 }).id;
    await grant(id, NOT_FINAL);
    const warnAt = new Date(w.clock.now().getTime() + 50 * MINUTE);
    expect((await w.requests.get(id))?.expiryWarningAt).toEqual(warnAt);
    expect(w.schedule.warnings).toEqual([{ requestId: id, at: warnAt }]);

    const quiet = fakeWorld({
      ...w.catalog,
      resources: w.catalog.resources.map((r) => ({ ...r, levels: r.levels.map((l) => ({ ...l, warnBeforeSeconds: null })) })),
    });
    const silent = quiet.requests.seed({ status: 'APPROVED' }).id;
    await grantOrFail(quiet)(silent, NOT_FINAL);
    expect((await quiet.requests.get(silent))?.expiryWarningAt).toBeNull();
    expect(quiet.schedule.warnings).toEqual([]);
  });

  test('goes once, with its audit row posted, however often its job runs', async () => {
    const { w, messenger, warn, grant } = setUp();
    const id = grant();
    expect(await warn(id)).toBe('warned');
    expect(await warn(id)).toBe('nothing_to_do');
    expect(messenger.sent).toEqual([`#${id}`]);
    expect(w.audit.actions(id)).toEqual(['expiry_warned']);
    expect(w.announcements.said).toEqual(['audit 1']);
  });

  test.each([
    ['given back early (being revoked)', { endedBy: 'UDEV' }],
    ['revoked', { status: 'REVOKED' as const, endedBy: 'UDEV' }],
    ['expired', { status: 'EXPIRED' as const }],
    ['failing its revoke', { status: 'REVOKE_FAILED' as const }],
  ])('is not sent for a grant %s', async (_case, fields) => {
    const { w, messenger, warn, grant } = setUp();
    const id = grant(fields);
    expect(await warn(id)).toBe('nothing_to_do');
    expect(messenger.sent).toEqual([]);
    expect(w.audit.actions(id)).toEqual([]);
  });

  test('while another worker is sending it, the job waits its turn (retries) rather than send it twice', async () => {
    const { w, messenger, warn, grant } = setUp();
    const id = grant();
    await w.requests.claimExpiryWarning(id, w.clock.now());
    await expect(warn(id)).rejects.toThrow(/being sent/);
    expect(messenger.sent).toEqual([]);
    // That worker died: its claim is taken over a minute later.
    w.clock.advance(MINUTE + 1);
    expect(await warn(id)).toBe('warned');
  });

  test('a Slack failure is retried, and the warning still goes once', async () => {
    const { messenger, warn, grant, w } = setUp();
    const id = grant();
    messenger.failNext = new Error('ratelimited');
    await expect(warn(id)).rejects.toThrow('ratelimited');
    w.clock.advance(MINUTE + 1);
    expect(await warn(id)).toBe('warned');
    expect(messenger.sent).toEqual([`#${id}`]);
  });

  test('says the access is covered when an extension of the same permission outlasts the grant', async () => {
    const { messenger, warn, grant, inMinutes } = setUp();
    const id = grant();
    const extension = grant({ extendsRequestId: id, expiresAt: inMinutes(70), expiryWarningAt: inMinutes(60) });
    // Another identity's grant of the same level holds another permission: it covers nothing.
    grant({ targetIdentity: 'mo', requesterId: 'UMO', expiresAt: inMinutes(90) });
    expect(await warn(id)).toBe('covered');
    expect(messenger.sent).toEqual([`#${id} covered by #${extension}`]);
  });

  test('an extension ending first covers nothing: the warning offers Extend as usual', async () => {
    const { messenger, warn, grant, inMinutes } = setUp();
    const id = grant();
    grant({ extendsRequestId: id, expiresAt: inMinutes(5) });
    expect(await warn(id)).toBe('warned');
    expect(messenger.sent).toEqual([`#${id}`]);
  });

  test('the reconciler re-derives a lost warning from the database, and leaves sent or ended ones alone', async () => {
    const { w, warn, grant, inMinutes } = setUp();
    const due = grant({ expiryWarningAt: inMinutes(0.5) });
    const overdue = grant({ expiryWarningAt: inMinutes(-1) });
    const later = grant({ expiryWarningAt: inMinutes(30), expiresAt: inMinutes(40) });
    const revoking = grant({ expiryWarningAt: inMinutes(-1), endedBy: 'UDEV' });
    const sent = grant({ expiryWarningAt: inMinutes(-1) });
    await warn(sent);
    const report = await reconcile({
      ...w,
      expirePending: expirePending(w),
      escalateReviews: escalateOverdueReviews(w),
      alertRevokeFailures: alertRevokeFailures({ ...w, thresholdSeconds: 900 }),
      intervalSeconds: 30,
    })();
    expect(report.warningsEnsured).toBe(2);
    expect(w.schedule.warnings).toEqual([
      { requestId: overdue, at: inMinutes(-1) },
      { requestId: due, at: inMinutes(0.5) },
    ]);
    expect(w.schedule.warnings.map((s) => s.requestId)).not.toContain(later);
    expect(w.schedule.warnings.map((s) => s.requestId)).not.toContain(revoking);
  });
});
