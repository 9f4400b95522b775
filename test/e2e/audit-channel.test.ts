import { AuditChain } from '../../src/db/audit-chain';
import { PrismaRequestStore } from '../../src/db/request-store';
import { MESSAGE_TEXT_LIMIT } from '../../src/slack/render/notices';
import { AUDIT_KEY } from '../support/databases';
import { guarantee } from '../support/guarantees';
import { approve, CHANNELS, requestAccess, useHarness, waitUntil } from '../support/harness';
import { silentLogger } from '../support/logs';

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

    test("lines beyond one message's text limit go in the next message: none cut, each once, in order", async () => {
      const before = auditMessages().length;
      // Drifts found in one pass, each a long line (its reason shown in full): more than one message holds.
      const store = new PrismaRequestStore(h.db, new AuditChain(AUDIT_KEY), silentLogger);
      const reasons = Array.from({ length: 45 }, (_, i) => `drift ${String(i).padStart(2, '0')} ${'x'.repeat(980)}`);
      for (const reason of reasons) await store.audit(null, { actor: 'system', action: 'drift_found', detail: { reason } });
      // A request's own line asks for the flush, which takes every line waiting, in order.
      const id = await requestAccess(h, { reason: 'after the drifts' });
      await h.waitForText(CHANNELS.audit, `*requested* #${id} `, 20_000);

      const messages = auditMessages().slice(before);
      const texts = messages.map((m) => String(m.args.text));
      expect(messages.length).toBeGreaterThanOrEqual(2);
      for (const text of texts) expect(text.length).toBeLessThanOrEqual(MESSAGE_TEXT_LIMIT);
      expect(messages.filter((m) => m.response.response_metadata !== undefined)).toEqual([]);
      for (let i = 1; i < messages.length; i++) expect(messages[i]!.at - messages[i - 1]!.at).toBeGreaterThanOrEqual(1000);
      const driftLines = texts.flatMap((text) => text.split('\n')).filter((line) => line.includes('*drift found*'));
      expect(driftLines.map((line) => /drift (\d\d) x+\./.exec(line)?.[1])).toEqual(reasons.map((_, i) => String(i).padStart(2, '0')));
      const drifts = await h.db.auditEvent.findMany({ where: { action: 'drift_found' }, select: { id: true } });
      expect(await h.db.auditDelivery.count({ where: { eventId: { in: drifts.map((d) => d.id) } } })).toBe(reasons.length);
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
