import { flushAuditChannel } from '../../../src/app/audit-channel';
import type { AuditChannelLine } from '../../../src/app/ports';
import { MAX_LINES_PER_MESSAGE } from '../../../src/domain/audit-lines';
import type { AuditAction } from '../../../src/domain/request';
import { FakeAuditLog, FakeClock } from '../../support/fakes';

/** The audit log with an event appended now; returns the event as the channel shows it. */
function addTo(log: FakeAuditLog) {
  return (action: AuditAction, actor = 'U1', requestId: number | null = 1) =>
    log.events[Number(log.append(requestId, { actor, action })) - 1]!;
}

/** `fits`: how many lines one message takes (Slack's text limit, as the adapter measures it). */
function setUp({ fits = Infinity } = {}) {
  const clock = new FakeClock();
  const store = new FakeAuditLog(clock);
  const messages: { at: number; lines: AuditChannelLine[] }[] = [];
  const channel = {
    postAudit: jest.fn(async (lines: readonly AuditChannelLine[]) => {
      const carried = lines.slice(0, fits);
      messages.push({ at: clock.now().getTime(), lines: carried });
      return carried.length;
    }),
  };
  const sleep = async (ms: number) => clock.advance(ms);
  const flush = flushAuditChannel({ audit: store, channel, clock, sleep, intervalMs: 1000 });
  return { store, add: addTo(store), channel, messages, flush, advance: (ms: number) => clock.advance(ms), clock };
}

describe('flushAuditChannel', () => {
  test('a line alone goes out at once and is marked delivered', async () => {
    const { store, add, messages, flush, clock } = setUp();
    const event = add('requested');
    const start = clock.now().getTime();
    expect(await flush()).toEqual({ messages: 1, lines: 1 });
    expect(messages).toEqual([{ at: start, lines: [{ event, count: 1 }] }]);
    expect(store.delivered.has(event.id)).toBe(true);
  });

  test('the lines that wait for the pace go out together, in order, one message per interval', async () => {
    const { store, add, messages, flush } = setUp();
    add('requested');
    await flush();
    for (let i = 0; i < MAX_LINES_PER_MESSAGE + 45; i++) add('granted');
    await flush();
    expect(messages.map((m) => m.lines.length)).toEqual([1, MAX_LINES_PER_MESSAGE, 45]);
    expect(messages.map((m) => m.at - messages[0]!.at)).toEqual([0, 1000, 2000]);
    const shown = messages.flatMap((m) => m.lines.map((l) => l.event.id));
    expect(shown).toEqual(store.events.map((e) => e.id));
    expect(store.delivered.size).toBe(MAX_LINES_PER_MESSAGE + 46);
  });

  test('lines that do not fit in a message go in the next one: each event once, in order, each marked with its message', async () => {
    const { store, add, messages, flush } = setUp({ fits: 7 });
    for (let i = 0; i < 3; i++) add('refused', 'U9', 5);
    for (let i = 0; i < 16; i++) add('granted', 'system', 10 + i);
    expect(await flush()).toEqual({ messages: 3, lines: 17 });
    expect(messages.map((m) => m.lines.length)).toEqual([7, 7, 3]);
    expect(messages.map((m) => m.at - messages[0]!.at)).toEqual([0, 1000, 2000]);
    // The folded refusals are one line standing for all three, delivered with it.
    expect(messages[0]!.lines[0]).toMatchObject({ event: { action: 'refused' }, count: 3 });
    const shown = messages.flatMap((m) => m.lines.map((l) => l.event.id));
    expect(shown).toEqual(store.events.filter((e, i) => e.action !== 'refused' || i === 0).map((e) => e.id));
    expect(store.delivered.size).toBe(19);
    expect(await flush()).toEqual({ messages: 0, lines: 0 });
  });

  test('while another worker holds the channel nothing is posted; the holder posts what arrived meanwhile', async () => {
    const { store, add, messages, flush, clock } = setUp();
    await store.acquireChannel('other-worker', clock.now(), new Date(clock.now().getTime() + 60_000));
    add('requested');
    expect(await flush()).toEqual({ messages: 0, lines: 0 });
    expect(messages).toHaveLength(0);
    await store.releaseChannel('other-worker');
    expect(await flush()).toEqual({ messages: 1, lines: 1 });
  });

  test("a crashed holder's lease runs out and the channel is taken over", async () => {
    const { store, add, flush, clock, advance } = setUp();
    await store.acquireChannel('crashed', clock.now(), new Date(clock.now().getTime() + 60_000));
    add('requested');
    advance(60_001);
    expect(await flush()).toEqual({ messages: 1, lines: 1 });
  });

  test('a failed post leaves the events undelivered and the channel free for the retry', async () => {
    const { store, add, channel, flush } = setUp();
    add('requested');
    channel.postAudit.mockRejectedValueOnce(new Error('ratelimited'));
    await expect(flush()).rejects.toThrow('ratelimited');
    expect(store.delivered.size).toBe(0);
    expect(store.lease).toBeNull();
    expect(await flush()).toEqual({ messages: 1, lines: 1 });
  });

  test('refusals by one person on one request: one line per window, the later one with its count', async () => {
    const { store, add, messages, flush, advance } = setUp();
    add('refused', 'U9');
    await flush();
    for (let i = 0; i < 39; i++) {
      add('refused', 'U9');
      await flush();
    }
    expect(messages.map((m) => m.lines.map((l) => l.count))).toEqual([[1]]);
    advance(10 * 60_000);
    await flush();
    expect(messages.map((m) => m.lines.map((l) => l.count))).toEqual([[1], [39]]);
    expect(store.delivered.size).toBe(40);
  });

  test('a flush that could not let go of the channel (database gone) takes its own lease back at the next try', async () => {
    const { store, add, flush } = setUp();
    add('requested');
    const release = jest.spyOn(store, 'releaseChannel').mockRejectedValueOnce(new Error('database unreachable'));
    await expect(flush()).rejects.toThrow('database unreachable');
    expect(store.lease).not.toBeNull();
    release.mockRestore();
    add('approved');
    expect(await flush()).toEqual({ messages: 1, lines: 1 });
  });

  test('asked again while it runs, the running flush goes round once more', async () => {
    const { add, channel, messages, flush } = setUp();
    add('requested');
    let late: Promise<unknown> | undefined;
    channel.postAudit.mockImplementationOnce(async (lines) => {
      messages.push({ at: 0, lines: [...lines] });
      add('approved');
      late = flush();
      return lines.length;
    });
    await flush();
    expect(await late).toEqual({ messages: 0, lines: 0 });
    expect(messages.map((m) => m.lines.map((l) => l.event.action))).toEqual([['requested'], ['approved']]);
  });

  test('posted but not marked (the database went away): marked at the next try, not posted twice', async () => {
    const { store, add, messages, flush } = setUp();
    add('requested');
    const mark = jest.spyOn(store, 'markPosted').mockRejectedValueOnce(new Error('database unreachable'));
    await expect(flush()).rejects.toThrow('database unreachable');
    expect(store.delivered.size).toBe(0);
    mark.mockRestore();
    await flush();
    expect(messages).toHaveLength(1);
    expect(store.delivered.size).toBe(1);
  });
});
