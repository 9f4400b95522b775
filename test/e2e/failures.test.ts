import { guarantee } from '../support/guarantees';
import { approve, CHANNELS, grantAccess, requestAccess, requestIdIn, useHarness } from '../support/harness';

/** When the target or Slack fails, the request says so, nothing is left behind, and retries finish the job. */
describe(guarantee(5), () => {
  // A harness per test: each breaks the target or Slack in its own way.
  const h = useHarness({}, { perTest: true });

  test('a grant the target refuses fails at once with the reason in the message and the DM', async () => {
    await h.target.dropLogin();
    const id = await requestAccess(h, { reason: 'failure test' });
    await approve(h, id);
    const status = await h.waitForApprovalMessage(id, 'Failed:');
    expect(status).toContain(`The database has no role "${h.target.roles.login}"`);
    await h.waitForText(h.users.dev, 'could not be granted');
    expect(await h.statusOf(id)).toBe('FAILED');
    expect(await h.auditActions(id)).toEqual(['requested', 'approval_recorded', 'approved', 'grant_failed']);
    await h.waitForText(CHANNELS.audit, `*grant failed* #${id}`);
  });

  test('a revoke that fails is REVOKE_FAILED, announced, and retried until the access is gone', async () => {
    const id = await grantAccess(h, { duration: '3s', reason: 'failure test' });
    h.setTargetReachable(false);
    await h.waitForApprovalMessage(id, 'Revoke is failing', 20_000);
    await h.waitForText(CHANNELS.audit, `*revoke failed* #${id}`);
    expect(await h.target.developerCanRead()).toBe(true);
    h.setTargetReachable(true);
    await h.waitForApprovalMessage(id, 'Ended at its expiry', 30_000);
    expect(await h.target.developerCanRead()).toBe(false);
    // Less the expiry warning (test/e2e/expiry-warning.test.ts), due 0.6 s before the end of so short a grant.
    const actions = (await h.auditActions(id)).filter((action) => action !== 'expiry_warned');
    expect(actions).toEqual(['requested', 'approval_recorded', 'approved', 'granted', 'revoke_failed', 'expired']);
  });

  test('Slack answering 500 and 429 delays the approval message but posts it exactly once', async () => {
    h.slack.failNext('chat.postMessage', { status: 500 }, 2);
    h.slack.failNext('chat.update', { status: 429, retryAfter: 1 }, 1);
    const id = requestIdIn(await h.ask(h.users.dev, `request ${h.resourceId} read-only 10m slack is flaky`));
    await h.waitForApprovalMessage(id, 'Waiting for approval', 20_000);
    await approve(h, id);
    await h.waitForApprovalMessage(id, 'active until', 20_000);
    expect(h.postsIn(CHANNELS.owners)).toHaveLength(1);
  });

  test('an access DM that Slack refuses past its retries is delivered later, exactly once', async () => {
    const id = await requestAccess(h, { reason: 'slack drops the DM' });
    const accessDm = `:key: Your access #${id}`;
    // Every try of the Slack client within the first grant attempt (one call and three retries).
    h.slack.failNext('chat.postMessage', { status: 500 }, 4, (args) => String(args.text).startsWith(accessDm));
    await approve(h, id);
    await h.waitForApprovalMessage(id, 'active until');
    const dm = await h.waitForText(h.users.dev, accessDm, 30_000);
    expect(dm).toContain(`/prod-access revoke ${id}`);
    expect(dm).toContain(`Connect: psql`);
    // The grant-role mode issues no password, so nothing was lost.
    expect(dm).not.toContain('could not be delivered');
    expect(h.texts(h.users.dev).filter((t) => t.startsWith(accessDm))).toHaveLength(1);
    expect(await h.target.developerCanRead()).toBe(true);
    // It took the re-send path: every injected fault was spent, and the re-send job is what delivered it.
    const faulted = h.apiCalls('chat.postMessage').filter((c) => c.fault && String(c.args.text).startsWith(accessDm));
    expect(faulted).toHaveLength(4);
    expect(await (await h.redis.queue('notify').getJob(`access-dm-${id}`))?.getState()).toBe('completed');
  });
});
