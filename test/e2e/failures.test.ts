import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CHANNELS, Harness } from '../support/harness';
import { SERVER_URL, withClient } from '../support/databases';

/** When the target or Slack fails, the request says so, nothing is left behind, and retries finish the job. */
describe('failures', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.start();
  });

  afterEach(async () => {
    await h.stop();
  });

  async function approvedRequest(duration: string): Promise<number> {
    const id = await h.requestAccess(`read-only ${duration} failure test`);
    expect(await h.clickAndReply(h.users.manager1, id)).toContain(`You approved #${id}`);
    return id;
  }

  test('a grant the target refuses fails at once with the reason in the message and the DM', async () => {
    await withClient(SERVER_URL, (db) => db.query(`DROP ROLE ${h.roles.login}`));
    const id = await approvedRequest('10m');
    const status = await h.waitForApprovalMessage(id, 'Failed:');
    expect(status).toContain(`The database has no role "${h.roles.login}"`);
    await h.waitForText(h.users.dev, 'could not be granted');
    expect(await h.db.accessRequest.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'FAILED' });
    expect(await h.auditActions(id)).toEqual(['requested', 'approval_recorded', 'approved', 'grant_failed']);
    await h.waitForText(CHANNELS.audit, `*grant failed* #${id}`);
  });

  test('a revoke that fails is REVOKE_FAILED, announced, and retried until the access is gone', async () => {
    const id = await approvedRequest('3s');
    await h.waitForApprovalMessage(id, 'active until');
    h.setTargetReachable(false);
    await h.waitForApprovalMessage(id, 'Revoke is failing', 20_000);
    await h.waitForText(CHANNELS.audit, `*revoke failed* #${id}`);
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).resolves.toHaveLength(1);
    h.setTargetReachable(true);
    await h.waitForApprovalMessage(id, 'Ended at its expiry', 30_000);
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).rejects.toThrow(/permission denied/);
    expect(await h.auditActions(id)).toEqual(['requested', 'approval_recorded', 'approved', 'granted', 'revoke_failed', 'expired']);
  });

  test('Slack answering 500 and 429 delays the approval message but posts it exactly once', async () => {
    h.slack.failNext('chat.postMessage', { status: 500 }, 2);
    h.slack.failNext('chat.update', { status: 429, retryAfter: 1 }, 1);
    const reply = await h.ask(h.users.dev, `request ${h.resourceId} read-only 10m slack is flaky`);
    const id = Number(/#(\d+)/.exec(reply)?.[1]);
    await h.waitForApprovalMessage(id, 'Waiting for approval', 20_000);
    await h.clickAndReply(h.users.manager1, id);
    await h.waitForApprovalMessage(id, 'active until', 20_000);
    const posts = h.postsIn(CHANNELS.owners);
    expect(posts).toHaveLength(1);
  });

  test('an access DM that Slack refuses past its retries is delivered later, exactly once', async () => {
    const id = await h.requestAccess('read-only 10m slack drops the DM');
    // Every try of the Slack client within the first grant attempt (one call and three retries).
    h.slack.failNext('chat.postMessage', { status: 500 }, 4, (args) => String(args.text).startsWith(`:key: Your access #${id}`));
    await h.clickAndReply(h.users.manager1, id);
    await h.waitForApprovalMessage(id, 'active until');
    const dm = await h.waitForText(h.users.dev, `:key: Your access #${id}`, 30_000);
    expect(dm).toContain(`/prod-access revoke ${id}`);
    expect(dm).toContain(`Connect: psql`);
    // The grant-role mode issues no password, so nothing was lost.
    expect(dm).not.toContain('could not be delivered');
    expect(h.texts(h.users.dev).filter((t) => t.startsWith(`:key: Your access #${id}`))).toHaveLength(1);
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).resolves.toEqual([{ item: 'widget' }]);
    // It took the re-send path: every injected fault was spent, and the re-send job is what delivered it.
    const faulted = h.apiCalls('chat.postMessage').filter((c) => c.fault && String(c.args.text).startsWith(`:key: Your access #${id}`));
    expect(faulted).toHaveLength(4);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    const notify = new Queue('notify', { connection: redis, prefix: h.redisPrefix });
    try {
      expect(await (await notify.getJob(`access-dm-${id}`))?.getState()).toBe('completed');
    } finally {
      await notify.close();
      redis.disconnect();
    }
  });
});
