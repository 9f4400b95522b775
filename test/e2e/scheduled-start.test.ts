import { REQUEST_FIELDS } from '../../src/slack/render/request-modal';
import type { SlackView } from '../../devkit/slack-standin/server';
import { guarantee } from '../support/guarantees';
import { approve, type Harness, pause, requestIdIn, useHarness } from '../support/harness';

/**
 * A request may name its start (`--at`, or the request modal's datetimepicker): approved before it, the
 * grant waits for it; its duration counts from it; nothing of it survives a revoke or a denial before it.
 */

/** A whole second at least `seconds` from now: what a person would type after `--at`. */
function secondsAhead(seconds: number): Date {
  return new Date(Math.ceil(Date.now() / 1000 + seconds) * 1000);
}

/** `2026-12-01T15:40:05Z`: a start with its offset. */
const typed = (at: Date) => `${at.toISOString().slice(0, 19)}Z`;

/** Slack's date token for an instant, as the approval message shows it to each reader in their own time. */
const dateToken = (at: Date) => `<!date^${at.getTime() / 1000}^`;

async function askFrom(h: Harness, startsAt: string, duration = '5s', reason = 'nightly import'): Promise<{ id: number; answer: string }> {
  const answer = await h.ask(h.users.dev, `request ${h.resourceId} read-only ${duration} --at ${startsAt} ${reason}`);
  return { id: requestIdIn(answer), answer };
}

async function row(h: Harness, id: number) {
  return h.db.accessRequest.findUniqueOrThrow({ where: { id } });
}

describe('scheduled start', () => {
  const h = useHarness({ reconcileIntervalSeconds: 1, devTimeZone: 'Asia/Kolkata' });

  test('approved before its start: granted at the start, not at the approval, and its duration counts from the start', async () => {
    const startsAt = secondsAhead(8);
    const { id, answer } = await askFrom(h, typed(startsAt));
    expect(answer).toContain(`If approved, access starts ${dateToken(startsAt)}`);
    expect(await h.waitForApprovalMessage(id, 'Waiting for approval')).toContain(`for 5s from ${dateToken(startsAt)}`);
    const end = new Date(startsAt.getTime() + 5000);
    expect(JSON.stringify(h.approvalMessage(id)?.blocks)).toContain(`until ${dateToken(end)}`);

    await approve(h, id);
    await h.waitForApprovalMessage(id, 'access is granted at its start');
    expect(await row(h, id)).toMatchObject({ status: 'APPROVED', grantedAt: null });
    expect(await h.target.developerCanRead()).toBe(false);

    await h.waitForApprovalMessage(id, 'active until', 20_000);
    const granted = await row(h, id);
    expect(granted.grantedAt!.getTime()).toBeGreaterThanOrEqual(startsAt.getTime());
    expect(granted.expiresAt).toEqual(end);
    expect(await h.auditDetail(id, 'requested')).toMatchObject({ startsAt: startsAt.toISOString() });
    expect(await h.auditDetail(id, 'granted')).toMatchObject({ startsAt: startsAt.toISOString(), expiresAt: end.toISOString() });

    await h.waitForApprovalMessage(id, 'Ended at its expiry', 20_000);
    expect(await h.target.developerCanRead()).toBe(false);
  });

  test('a date and time without an offset is read in the requester’s Slack time zone', async () => {
    // Asia/Kolkata is UTC+05:30 all year.
    const startsAt = secondsAhead(120);
    const inKolkata = new Date(startsAt.getTime() + 5.5 * 3600_000).toISOString().slice(0, 19);
    const { id } = await askFrom(h, inKolkata, '1m', 'read in my zone');
    expect((await row(h, id)).startsAt).toEqual(startsAt);
  });

  test('a revoke or a denial before the start cancels it: nothing is granted later', async () => {
    const startsAt = secondsAhead(6);
    const revoked = (await askFrom(h, typed(startsAt), '5s', 'revoked before the start')).id;
    const denied = (await askFrom(h, typed(startsAt), '5s', 'denied before the start')).id;
    await h.waitForApprovalMessage(revoked, 'Waiting for approval');
    await h.waitForApprovalMessage(denied, 'Waiting for approval');
    await approve(h, revoked);
    await h.waitForApprovalMessage(revoked, 'access is granted at its start');

    expect(await h.ask(h.users.dev, `revoke ${revoked}`)).toContain(`#${revoked} was revoked before its grant was applied`);
    const { view } = await h.clickDeny(h.users.manager1, denied);
    expect((await h.submitDeny(h.users.manager1, 'not tonight', view.private_metadata)).status).toBe(200);
    await h.waitForStatus(denied, 'DENIED');

    // Past the start, and a reconcile pass or two.
    await pause(startsAt.getTime() - Date.now() + 3000);
    for (const id of [revoked, denied]) {
      expect(await row(h, id)).toMatchObject({ grantedAt: null, expiresAt: null });
      expect(await h.auditActions(id)).not.toContain('granted');
    }
    expect(await h.statusOf(revoked)).toBe('REVOKED');
    expect(await h.statusOf(denied)).toBe('DENIED');
    expect(await h.target.developerCanRead()).toBe(false);
  });

  test('the request modal’s datetimepicker names the start', async () => {
    const since = h.slack.calls.length;
    expect((await h.command(h.users.dev, '')).status).toBe(200);
    const opened = await h.slack.waitFor('views.open', 5000, since);
    // The stand-in checked the picker as Slack checks it, and answered ok.
    expect(opened.response.ok).toBe(true);
    const view = opened.response.view as SlackView;
    expect(
      (view.blocks as { block_id?: string; element?: { type: string } }[]).find((b) => b.block_id === REQUEST_FIELDS.start),
    ).toMatchObject({
      element: { type: 'datetimepicker' },
    });

    const startsAt = secondsAhead(300);
    const form = { resource: h.resourceId, level: 'read-only', duration: '2m', reason: 'picked', start: startsAt };
    // No response_url in its metadata: the answer comes by DM.
    expect((await h.submitRequest(h.users.dev, form, '{}')).status).toBe(200);
    const id = requestIdIn(await h.waitForText(h.users.dev, 'If approved, access starts'));
    expect(await row(h, id)).toMatchObject({ startsAt, status: 'PENDING' });
  });

  describe(guarantee(1), () => {
    test('a scheduled grant whose job Redis lost is still granted at its start, re-derived by the reconciler', async () => {
      const startsAt = secondsAhead(8);
      const { id } = await askFrom(h, typed(startsAt), '5s', 'lost schedule');
      await h.waitForApprovalMessage(id, 'Waiting for approval');
      await approve(h, id);
      await h.waitForApprovalMessage(id, 'access is granted at its start');

      await h.redis.clear();

      expect(await h.statusOf(id)).toBe('APPROVED');
      await h.waitForApprovalMessage(id, 'active until', 20_000);
      const granted = await row(h, id);
      expect(granted.grantedAt!.getTime()).toBeGreaterThanOrEqual(startsAt.getTime());
      expect(granted.expiresAt).toEqual(new Date(startsAt.getTime() + 5000));
      expect(await h.target.developerCanRead()).toBe(true);
      await h.waitForApprovalMessage(id, 'Ended at its expiry', 20_000);
      expect(await h.target.developerCanRead()).toBe(false);
    });
  });

  describe(guarantee(9), () => {
    test.each([
      ['in the past', () => '2020-01-01T00:00Z', /is in the past/],
      ['too far ahead', () => typed(secondsAhead(8 * 86_400)), /at most 7 days from now/],
      ['unreadable', () => 'tonight', /is not a start time/],
    ])('a start %s is refused with a clear message, and nothing is stored', async (_case, start, message) => {
      const before = await h.db.accessRequest.count();
      const answer = await h.ask(h.users.dev, `request ${h.resourceId} read-only 5m --at ${start()} bad start`);
      expect(answer).toMatch(message);
      expect(answer).not.toMatch(/Request #\d+ sent/);
      expect(await h.db.accessRequest.count()).toBe(before);
    });

    test('a start picked in the past is refused next to the picker, and nothing is stored', async () => {
      const before = await h.db.accessRequest.count();
      const form = { resource: h.resourceId, level: 'read-only', reason: 'picked too early', start: new Date(Date.now() - 3600_000) };
      const answer = await h.submitRequest(h.users.dev, form, '{}');
      expect(answer.json).toEqual({ response_action: 'errors', errors: { [REQUEST_FIELDS.start]: expect.stringMatching(/in the past/) } });
      expect(await h.db.accessRequest.count()).toBe(before);
    });
  });
});
