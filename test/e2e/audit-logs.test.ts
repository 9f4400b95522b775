import { approve, requestAccess, useHarness, waitUntil } from '../support/harness';

/**
 * The logs tell the story: a lifecycle run by the product's own process at LOG_LEVEL=info writes one
 * `audit event` line per audit row, naming its request's resource and level, without the reason the person typed.
 */
describe('the logs tell the story', () => {
  const h = useHarness({ role: 'none' });

  test('request → approve → grant → expiry: each step is a structured line in the process output', async () => {
    const app = await h.spawn('all');
    const id = await requestAccess(h, { duration: '4s', reason: 'reading the logs for INC-77' });
    await approve(h, id);
    await h.waitForApprovalMessage(id, 'Ended at its expiry', 20_000);

    // Whole lines only (the output may end in the middle of one), in the audit log's order.
    const lines = () =>
      app.log
        .slice(0, app.log.lastIndexOf('\n'))
        .split('\n')
        .filter((line) => line.includes('"msg":"audit event"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.requestId === id)
        .sort((a, b) => Number(BigInt(a.auditEventId as string) - BigInt(b.auditEventId as string)));
    // Written in the background (production): the last line may still be on its way.
    await waitUntil(
      () => lines().find((line) => line.action === 'expired'),
      10_000,
      () => `the expired line; output:\n${app.log}`,
    );

    const rows = await h.db.auditEvent.findMany({ where: { requestId: id }, orderBy: { id: 'asc' } });
    expect(lines().map(({ auditEventId, action, actor }) => ({ auditEventId, action, actor }))).toEqual(
      rows.map((row) => ({ auditEventId: row.id.toString(), action: row.action, actor: row.actor })),
    );
    expect(rows.map((row) => row.action)).toEqual(
      expect.arrayContaining(['requested', 'approval_recorded', 'approved', 'granted', 'expired']),
    );
    for (const line of lines()) expect(line).toMatchObject({ level: 'info', resource: h.resourceId, accessLevel: 'read-only' });
    expect(app.log).not.toContain('INC-77');
  }, 90_000);
});
