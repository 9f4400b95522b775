import { guarantee } from '../support/guarantees';
import { APPROVER_GROUP, approve, CHANNELS, pause, requestAccess, useHarness, waitUntil } from '../support/harness';

/** How long the app is left to itself after a step, so a second one (from the other worker, a later sweep, a retry) would show. */
const SETTLE_MS = 3000;

/**
 * A request nobody decides: a reminder in its approval message's thread after 2 s, an escalation to
 * #general (mentioning the approver group) after 5 s, its timeout after 10 s. Two workers and a web
 * process run as in production, the reconciler and the reminder sweep every second.
 */
describe(guarantee(18), () => {
  const h = useHarness({
    role: 'none',
    reconcileIntervalSeconds: 1,
    pendingTimeout: '10s',
    env: { REMINDER_SWEEP_INTERVAL_SECONDS: '1' },
    levels: {
      'read-only': {
        reminders: { remindAfter: '2s', escalateAfter: '5s', escalateTo: { channel: CHANNELS.general, group: APPROVER_GROUP } },
      },
    },
  });

  beforeAll(async () => {
    await Promise.all([h.spawn('web'), h.spawn('worker'), h.spawn('worker')]);
  }, 120_000);

  /** Where the request's approval message is: the reminder goes in its thread. */
  const threadOf = (id: number) => h.approvalMessage(id)!.ts;
  const reminders = (id: number) => h.slack.replies(CHANNELS.owners, threadOf(id));
  const escalations = (id: number) => h.texts(CHANNELS.general).filter((text) => text.includes(`#${id} (`));
  /** Posts Slack took into the thread: a second post would be counted even if it were stored elsewhere. */
  const threadPosts = (id: number) => h.apiCalls('chat.postMessage').filter((c) => c.response.ok && c.args.thread_ts === threadOf(id));
  const steps = async (id: number) => (await h.auditActions(id)).filter((action) => action === 'reminded' || action === 'escalated');

  test('a reminder goes once in the thread mentioning the approvers, an escalation once to #general, then the request times out', async () => {
    const id = await requestAccess(h, { reason: 'nobody looks' });

    const [reminder] = await waitUntil(
      () => (reminders(id).length > 0 ? reminders(id) : undefined),
      10_000,
      () => `a reminder in the thread of #${id}`,
    );
    // The listed approver and the approver group; never the requester, who cannot approve.
    expect(reminder!.text).toMatch(new RegExp(`^:bell: <@${h.users.manager1}> <!subteam\\^${APPROVER_GROUP}> #${id} \\(`));
    expect(reminder!.text).toContain('needs 1 more approval');

    const escalation = await h.waitForText(CHANNELS.general, `#${id} (`, 10_000);
    expect(escalation).toContain(`<!subteam^${APPROVER_GROUP}>`);
    // The link opens the approval message, where the buttons are.
    expect(escalation).toContain(`/archives/${CHANNELS.owners}/p${threadOf(id).replace('.', '')}|the approval message>`);

    await h.waitForApprovalMessage(id, 'nobody decided in time', 20_000);
    await pause(SETTLE_MS);
    expect(reminders(id)).toHaveLength(1);
    expect(threadPosts(id)).toHaveLength(1);
    expect(escalations(id)).toHaveLength(1);
    expect(await h.auditActions(id)).toEqual(['requested', 'reminded', 'escalated', 'timed_out']);
    await h.waitForText(CHANNELS.audit, `*reminded* #${id} `);
    await h.waitForText(CHANNELS.audit, `*escalated* #${id} `);
  });

  test('a request decided before its steps gets neither', async () => {
    const id = await requestAccess(h, { reason: 'decided at once' });
    await approve(h, id);
    await pause(5000 + SETTLE_MS);
    expect(reminders(id)).toEqual([]);
    expect(escalations(id)).toEqual([]);
    expect(await steps(id)).toEqual([]);
  });

  test('a request decided after its reminder is not escalated', async () => {
    const id = await requestAccess(h, { reason: 'decided after the reminder' });
    await waitUntil(
      () => (reminders(id).length > 0 ? true : undefined),
      10_000,
      () => `a reminder in the thread of #${id}`,
    );
    await approve(h, id);
    await pause(5000 + SETTLE_MS);
    expect(escalations(id)).toEqual([]);
    expect(await steps(id)).toEqual(['reminded']);
  });

  test('after Redis loses every key, before the reminder and again before the escalation, the sweep still sends each once', async () => {
    const id = await requestAccess(h, { reason: 'redis forgets' });
    await h.redis.clear();
    await waitUntil(
      () => (reminders(id).length > 0 ? true : undefined),
      10_000,
      () => `a reminder in the thread of #${id} after the flush`,
    );
    await h.redis.clear();
    await h.waitForText(CHANNELS.general, `#${id} (`, 10_000);
    await h.waitForApprovalMessage(id, 'nobody decided in time', 20_000);
    await pause(SETTLE_MS);
    expect(threadPosts(id)).toHaveLength(1);
    expect(escalations(id)).toHaveLength(1);
    expect(await steps(id)).toEqual(['reminded', 'escalated']);
  });
});
