import { guarantee } from '../support/guarantees';
import { CHANNELS, grantAccess, pause, requestAccess, useHarness, waitUntil } from '../support/harness';

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
describe(guarantee(5), () => {
  const h = useHarness({ proxyDependencies: true, reconcileIntervalSeconds: 1 }, { perTest: true });

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
    const expiring = await grantAccess(h, { duration: '3s', reason: 'outage' });
    const approvedDuringOutage = await requestAccess(h, { reason: 'outage' });

    h.redisProxy!.setMode('down');
    // The approval is stored even though its grant job cannot be queued now.
    await h.click(h.users.manager1, approvedDuringOutage);
    await until(async () => (await h.statusOf(approvedDuringOutage)) === 'APPROVED', 'the approval to be stored');
    await pause(5000);
    h.redisProxy!.setMode('up');

    await h.waitForApprovalMessage(expiring, 'Ended at its expiry', 30_000);
    await h.waitForApprovalMessage(approvedDuringOutage, 'active until', 30_000);
    expect(await h.target.developerCanRead()).toBe(true);
    await h.waitForText(h.users.dev, `#${expiring} (read-only on Orders database) has ended`, 30_000);
    await everythingSettled([expiring, approvedDuringOutage]);
  });

  test('PostgreSQL restarted while a grant expires: it is revoked once the database is back', async () => {
    const id = await grantAccess(h, { duration: '3s', reason: 'outage' });
    h.databaseProxy!.setMode('down');
    await pause(5000);
    h.databaseProxy!.setMode('up');
    await h.waitForApprovalMessage(id, 'Ended at its expiry', 40_000);
    expect(await h.target.developerCanRead()).toBe(false);
    expect((await h.auditActions(id)).filter((a) => a === 'expired')).toHaveLength(1);
    await everythingSettled([id]);
  });
});
