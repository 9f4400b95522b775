import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { APPROVE_ACTION } from '../../src/slack/blocks/approval-message';
import { blockActionsPayload, sendInteraction } from '../../devkit/slack-standin/signed-request';
import { CHANNELS, Harness, SIGNING_SECRET } from '../support/harness';

/** Two web and two worker processes on one PostgreSQL and one Redis behave as one. */
describe('several replicas', () => {
  let h: Harness;
  let redis: Redis;
  /** The queues of revokes and of the reconciler, read as BullMQ itself sees them. */
  let revokeQueue: Queue;
  let accessQueue: Queue;

  beforeAll(async () => {
    h = await Harness.start({ role: 'none', reconcileIntervalSeconds: 1 });
    await Promise.all([h.spawn('web'), h.spawn('web'), h.spawn('worker'), h.spawn('worker')]);
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    revokeQueue = new Queue('revoke', { connection: redis, prefix: h.redisPrefix });
    accessQueue = new Queue('access', { connection: redis, prefix: h.redisPrefix });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([revokeQueue.close(), accessQueue.close()]);
    redis.disconnect();
    await h.stop();
  });

  const webs = () => h.processes.filter((p) => p.role === 'web');

  async function pendingRequest(level: string): Promise<number> {
    const id = await h.requestAccess(`${level} 5s replicas`);
    return id;
  }

  /** Both managers click Approve at the same moment, each through a different web replica. */
  function clickTogether(id: number) {
    const ts = h.approvalMessage(id)!.ts;
    return Promise.all(
      [h.users.manager1, h.users.manager2].map((user, i) =>
        sendInteraction(
          webs()[i]!.endpoint,
          SIGNING_SECRET,
          blockActionsPayload({
            user,
            actionId: APPROVE_ACTION,
            value: String(id),
            channel: CHANNELS.owners,
            messageTs: ts,
            responseUrl: h.slack.responseUrl(`${user}-r`),
          }),
        ),
      ),
    );
  }

  test.each([
    ['read-only', 'a one-approval level'],
    ['write', 'a two-approval level'],
  ])('two approvers clicking at once on %s (%s): one approval of the request, one grant, one revoke', async (level) => {
    const id = await pendingRequest(level);
    expect((await clickTogether(id)).map((r) => r.status)).toEqual([200, 200]);
    await h.waitForApprovalMessage(id, 'Ended at its expiry', 30_000);
    const actions = await h.auditActions(id);
    expect(actions.filter((a) => a === 'approved')).toHaveLength(1);
    expect(actions.filter((a) => a === 'granted')).toHaveLength(1);
    expect(actions.filter((a) => a === 'expired')).toHaveLength(1);
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).rejects.toThrow(/permission denied/);
    // Both workers and the reconciler (every second) scheduled this revoke; it exists, and ran, once.
    const revokes = (await revokeQueue.getJobs(['completed', 'delayed', 'waiting', 'active'])).filter(
      (j) => j.name === 'revoke' && (j.data as { requestId: number }).requestId === id,
    );
    expect(revokes).toHaveLength(1);
  });

  test('the reconciler runs once per interval however many workers run', async () => {
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const runs = (await accessQueue.getJobs(['completed'], 0, 200)).filter((j) => j.name === 'reconcile' && (j.processedOn ?? 0) >= since);
    // A run's id names its slot of the schedule (repeat:reconcile:<ms>): slots one interval apart, none run twice.
    const slots = runs.map((j) => Number(j.id!.split(':').pop())).sort((a, b) => a - b);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    slots.slice(1).forEach((slot, i) => expect(slot - slots[i]!).toBeGreaterThanOrEqual(1000));
  });
});
