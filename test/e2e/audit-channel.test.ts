import { guarantee } from '../support/guarantees';
import { approve, CHANNELS, requestAccess, useHarness, waitUntil } from '../support/harness';

/** The audit channel keeps Slack's pace of about one message a second, and says everything once. */
describe('the audit channel', () => {
  const h = useHarness({ env: { REQUEST_RATE_LIMIT: '100' } });

  const auditMessages = () => h.postsIn(CHANNELS.audit);

  describe(guarantee(16), () => {
    test('under a burst, lines are gathered: never two messages within a second, each audit row once, in order', async () => {
      const before = auditMessages().length;
      const firstId = (await h.db.auditEvent.aggregate({ _max: { id: true } }))._max.id ?? 0n;
      const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => requestAccess(h, { reason: `burst ${i}` })));
      const events = await h.db.auditEvent.findMany({ where: { id: { gt: firstId } }, orderBy: { id: 'asc' } });
      expect(events.length).toBeGreaterThanOrEqual(ids.length);
      const lineOf = (e: (typeof events)[number]) => `*${e.action.replace(/_/g, ' ')}* #${e.requestId} `;
      await waitUntil(
        () => events.every((e) => h.auditLines().some((line) => line.includes(lineOf(e)))) || undefined,
        20_000,
        () => `every event's line; got:\n${h.auditLines().join('\n')}`,
      );

      const burst = auditMessages().slice(before);
      expect(burst.length).toBeLessThan(events.length);
      for (let i = 1; i < burst.length; i++) expect(burst[i]!.at - burst[i - 1]!.at).toBeGreaterThanOrEqual(1000);
      const shown = h.auditLines().filter((line) => ids.some((id) => line.includes(` #${id} `)));
      expect(shown).toHaveLength(events.length);
      expect(shown.map((line) => /#(\d+) /.exec(line)![1])).toEqual(events.map((e) => String(e.requestId)));
      const delivered = await h.db.auditDelivery.count({ where: { eventId: { in: events.map((e) => e.id) } } });
      expect(delivered).toBe(events.length);
    });
  });

  describe(guarantee(8), () => {
    test('40 refused clicks by one person: 40 audit rows, one line in the channel', async () => {
      const id = await requestAccess(h, { reason: 'refusals' });
      for (let i = 0; i < 40; i++) expect(await h.clickAndReply(h.users.outsider, id)).toMatch(/not an approver/);
      expect((await h.auditActions(id)).filter((a) => a === 'refused')).toHaveLength(40);
      // The approval comes after every refusal, and lines go out in order: once it is shown, so is any refusal line.
      await approve(h, id);
      await h.waitForText(CHANNELS.audit, `*approved* #${id} `);
      expect(h.auditLines().filter((line) => line.includes(`*refused* #${id} `))).toHaveLength(1);
    });
  });
});
