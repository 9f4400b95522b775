import { CHANNELS, Harness } from '../support/harness';

/**
 * The whole story through the app's real HTTP endpoint with Slack-signed requests: a developer asks,
 * an approver approves in the owners' channel, the database role can read, the grant expires, it no
 * longer can, and every step is in the message, the audit channel and the audit log.
 */
describe('the access lifecycle end to end', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start();
  });

  afterAll(async () => {
    await h.stop();
  });

  test('request → approval message → approve → access works → expiry → access is gone, all audited', async () => {
    const { dev, manager1 } = h.users;
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).rejects.toThrow(/permission denied/);

    const reply = await h.ask(dev, `request ${h.resourceId} read-only 4s investigating INC-42`);
    expect(reply).toMatch(/Request #\d+ sent to the owners/);
    const [request] = await h.requestsOf(dev);
    const id = request!.id;

    await h.waitForApprovalMessage(id, 'Waiting for approval');
    const posted = h.approvalMessage(id)!;
    const buttons = JSON.stringify(posted.blocks);
    expect(buttons).toContain('"Approve"');
    expect(buttons).toContain('"Deny"');
    expect(JSON.stringify(posted.blocks)).toContain('investigating INC-42');

    expect(await h.clickAndReply(manager1, id)).toContain(`You approved #${id}`);
    await h.waitForApprovalMessage(id, 'active until');
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).resolves.toEqual([{ item: 'widget' }]);
    const accessDm = await h.waitForText(dev, 'is active for 4s');
    expect(accessDm).toContain(`user=${h.roles.login}`);

    await h.waitForApprovalMessage(id, 'Ended at its expiry', 20_000);
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).rejects.toThrow(/permission denied/);
    await h.waitForText(dev, 'has ended at its expiry');

    // One message, updated in place: never a second post for the same request.
    expect(h.apiCalls('chat.postMessage').filter((c) => c.args.channel === CHANNELS.owners)).toHaveLength(1);
    expect(await h.auditActions(id)).toEqual(['requested', 'approval_recorded', 'approved', 'granted', 'expired']);
    const audit = await h.waitForText(CHANNELS.audit, '*expired*');
    expect(audit).toContain('view request');
    for (const action of ['requested', 'approved', 'granted']) await h.waitForText(CHANNELS.audit, `*${action}*`);
    const expired = await h.db.auditEvent.findFirstOrThrow({ where: { requestId: id, action: 'expired' } });
    expect(expired.detail).toEqual({ verified: 'removed' });
  });
});
