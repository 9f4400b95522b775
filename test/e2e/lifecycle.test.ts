import { guarantee } from '../support/guarantees';
import { CHANNELS, useHarness } from '../support/harness';

/**
 * The whole story through the app's real HTTP endpoint with Slack-signed requests: a developer asks,
 * an approver approves in the owners' channel, the database role can read, the grant expires, it no
 * longer can, and every step is in the message, the audit channel and the audit log, whose expiry row
 * says the access was read back as removed.
 */
describe(guarantee(4), () => {
  const h = useHarness();

  test('request → approval message → approve → access works → expiry → access is gone, all audited', async () => {
    const { dev, manager1 } = h.users;
    expect(await h.target.developerCanRead()).toBe(false);

    const reply = await h.ask(dev, `request ${h.resourceId} read-only 4s investigating INC-42`);
    expect(reply).toMatch(/Request #\d+ sent to the owners/);
    const [request] = await h.requestsOf(dev);
    const id = request!.id;

    await h.waitForApprovalMessage(id, 'Waiting for approval');
    const blocks = JSON.stringify(h.approvalMessage(id)!.blocks);
    expect(blocks).toContain('"Approve"');
    expect(blocks).toContain('"Deny"');
    expect(blocks).toContain('investigating INC-42');

    expect(await h.clickAndReply(manager1, id)).toContain(`You approved #${id}`);
    await h.waitForApprovalMessage(id, 'active until');
    expect(await h.target.developerCanRead()).toBe(true);
    const accessDm = await h.waitForText(dev, 'is active for 4s');
    expect(accessDm).toContain(`user=${h.target.roles.login}`);

    await h.waitForApprovalMessage(id, 'Ended at its expiry', 20_000);
    expect(await h.target.developerCanRead()).toBe(false);
    await h.waitForText(dev, 'has ended at its expiry');

    // One message, updated in place: never a second post for the same request.
    expect(h.apiCalls('chat.postMessage').filter((c) => c.args.channel === CHANNELS.owners)).toHaveLength(1);
    // Less the expiry warning (test/e2e/expiry-warning.test.ts), due 0.8 s before the end of so short a grant.
    const actions = (await h.auditActions(id)).filter((action) => action !== 'expiry_warned');
    expect(actions).toEqual(['requested', 'approval_recorded', 'approved', 'granted', 'expired']);
    const audit = await h.waitForText(CHANNELS.audit, '*expired*');
    expect(audit).toContain('view request');
    for (const action of ['requested', 'approved', 'granted']) await h.waitForText(CHANNELS.audit, `*${action}*`);
    expect(await h.auditDetail(id, 'expired')).toEqual({ verified: 'removed' });
  });
});
