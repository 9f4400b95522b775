import { CHANNELS, Harness, waitUntil } from '../support/harness';

const until = (check: () => boolean | Promise<boolean>, what: string) =>
  waitUntil(
    async () => ((await check()) ? true : undefined),
    30_000,
    () => what,
  );

/**
 * PostgreSQL and Redis go away and come back (through proxies, so the servers other tests use stay up):
 * afterwards every state is right, every audit row is posted once, every message shows its request.
 */
describe('dependency outages', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.start({ proxyDependencies: true, reconcileIntervalSeconds: 1 });
  });

  afterEach(async () => {
    await h.stop();
  });

  async function pending(duration: string): Promise<number> {
    const id = await h.requestAccess(`read-only ${duration} outage`);
    return id;
  }

  async function everythingSettled(ids: number[]): Promise<void> {
    // Every audit row of these requests is in the audit channel exactly once.
    const events = await h.db.auditEvent.findMany({ where: { requestId: { in: ids } } });
    await h.waitForText(CHANNELS.audit, `*${events.at(-1)!.action.replace(/_/g, ' ')}* #${events.at(-1)!.requestId}`, 30_000);
    for (const id of ids) {
      const rows = events.filter((e) => e.requestId === id).length;
      const posted = () => h.auditLines().filter((t) => t.includes(` #${id} `)).length;
      await until(() => posted() >= rows, `${rows} audit lines of #${id}`);
      expect(posted()).toBe(rows);
      expect(h.postsIn(CHANNELS.owners).filter((c) => String(c.args.text).startsWith(`Access request #${id}:`))).toHaveLength(1);
    }
  }

  test('Redis down across an expiry and an approval: the grant still ends, the approval still grants', async () => {
    const expiring = await pending('3s');
    await h.clickAndReply(h.users.manager1, expiring);
    await h.waitForApprovalMessage(expiring, 'active until');
    const approvedDuringOutage = await pending('10m');

    h.redisProxy!.setMode('down');
    // The approval is stored even though its grant job cannot be queued now.
    await h.click(h.users.manager1, approvedDuringOutage);
    await until(
      async () => (await h.db.accessRequest.findUniqueOrThrow({ where: { id: approvedDuringOutage } })).status === 'APPROVED',
      'the approval to be stored',
    );
    await new Promise((resolve) => setTimeout(resolve, 5000));
    h.redisProxy!.setMode('up');

    await h.waitForApprovalMessage(expiring, 'Ended at its expiry', 30_000);
    await h.waitForApprovalMessage(approvedDuringOutage, 'active until', 30_000);
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).resolves.toHaveLength(1);
    await h.waitForText(h.users.dev, `#${expiring} (read-only on Orders database) has ended`, 30_000);
    await everythingSettled([expiring, approvedDuringOutage]);
  });

  test('PostgreSQL restarted while a grant expires: it is revoked once the database is back', async () => {
    const id = await pending('3s');
    await h.clickAndReply(h.users.manager1, id);
    await h.waitForApprovalMessage(id, 'active until');
    h.databaseProxy!.setMode('down');
    await new Promise((resolve) => setTimeout(resolve, 5000));
    h.databaseProxy!.setMode('up');
    await h.waitForApprovalMessage(id, 'Ended at its expiry', 40_000);
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).rejects.toThrow(/permission denied/);
    expect((await h.auditActions(id)).filter((a) => a === 'expired')).toHaveLength(1);
    await everythingSettled([id]);
  });
});
