import { type AuditEventRecord, MAX_LINES_PER_MESSAGE, planAuditMessage } from '../../../src/domain/audit-lines';

let nextId = 1n;
function event(action: string, actor = 'U1', requestId: number | null = 7): AuditEventRecord {
  return { id: nextId++, at: new Date(0), requestId, actor, action, detail: {} };
}

describe('planAuditMessage', () => {
  test('one line per event, in id order', () => {
    const events = [event('requested'), event('approved'), event('granted')];
    expect(planAuditMessage(events).map((l) => l.event.action)).toEqual(['requested', 'approved', 'granted']);
    expect(planAuditMessage(events).map((l) => l.covers)).toEqual(events.map((e) => [e.id]));
  });

  test("one person's refusals of one request become one line that stands for all of them", () => {
    const refusals = [event('refused', 'U9'), event('refused', 'U9'), event('refused', 'U9')];
    const other = event('refused', 'U8');
    const lines = planAuditMessage([refusals[0]!, other, refusals[1]!, refusals[2]!]);
    expect(lines.map((l) => [l.event.actor, l.covers])).toEqual([
      ['U9', refusals.map((r) => r.id)],
      ['U8', [other.id]],
    ]);
  });

  test('refusals of different requests, or without a request, are not folded', () => {
    const lines = planAuditMessage([
      event('refused', 'U9', 1),
      event('refused', 'U9', 2),
      event('refused', 'U9', null),
      event('refused', 'U9', null),
    ]);
    expect(lines).toHaveLength(4);
  });

  test('a message holds at most its limit of lines; the rest wait for the next one', () => {
    const events = Array.from({ length: MAX_LINES_PER_MESSAGE + 5 }, () => event('granted'));
    const lines = planAuditMessage(events);
    expect(lines).toHaveLength(MAX_LINES_PER_MESSAGE);
    expect(lines.at(-1)!.event.id).toBe(events[MAX_LINES_PER_MESSAGE - 1]!.id);
  });
});
