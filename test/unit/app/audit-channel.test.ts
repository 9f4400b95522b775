import { flushAuditChannel } from '../../../src/app/audit-channel';
import type { AuditChannelLine } from '../../../src/app/ports';
import type { AuditEventRecord } from '../../../src/domain/audit-lines';

/** The audit table, its deliveries and the channel lease, in memory; time moves only when the fake sleeps. */
class FakeAuditStore {
  events: AuditEventRecord[] = [];
  delivered = new Map<bigint, Date>();
  lease: { holder: string; until: Date } | null = null;
  lastPostedAt: Date | null = null;
  constructor(private readonly clock: { now(): Date }) {}

  add(action: string, actor = 'U1', requestId: number | null = 1): AuditEventRecord {
    const event = { id: BigInt(this.events.length + 1), at: this.clock.now(), requestId, actor, action, detail: {} };
    this.events.push(event);
    return event;
  }

  async acquireChannel(holder: string, now: Date, until: Date) {
    if (this.lease && this.lease.holder !== holder && this.lease.until >= now) return null;
    this.lease = { holder, until };
    return { lastPostedAt: this.lastPostedAt };
  }

  async releaseChannel(holder: string) {
    if (this.lease?.holder === holder) this.lease = null;
  }

  async markPosted(holder: string, ids: readonly bigint[], postedAt: Date, leaseUntil: Date) {
    for (const id of ids) this.delivered.set(id, postedAt);
    if (this.lease?.holder === holder) this.lease.until = leaseUntil;
    this.lastPostedAt = postedAt;
  }

  async postable(now: Date, windowMs: number, limit: number) {
    const recentRefusalLine = (e: AuditEventRecord) =>
      this.events.some(
        (r) =>
          r.action === 'refused' &&
          r.requestId === e.requestId &&
          r.actor === e.actor &&
          (this.delivered.get(r.id)?.getTime() ?? -Infinity) > now.getTime() - windowMs,
      );
    return this.events.filter((e) => !this.delivered.has(e.id) && !(e.action === 'refused' && recentRefusalLine(e))).slice(0, limit);
  }
}

function setUp() {
  let now = 1_000_000;
  const clock = { now: () => new Date(now) };
  const store = new FakeAuditStore(clock);
  const messages: { at: number; lines: AuditChannelLine[] }[] = [];
  const channel = {
    postLines: jest.fn(async (lines: readonly AuditChannelLine[]) => {
      messages.push({ at: now, lines: [...lines] });
    }),
  };
  const sleep = async (ms: number) => {
    now += ms;
  };
  const flush = flushAuditChannel({ audit: store, channel, clock, sleep, intervalMs: 1000 });
  return { store, channel, messages, flush, advance: (ms: number) => (now += ms), clock };
}

describe('flushAuditChannel', () => {
  test('a line alone goes out at once and is marked delivered', async () => {
    const { store, messages, flush } = setUp();
    const event = store.add('requested');
    expect(await flush()).toEqual({ messages: 1, lines: 1 });
    expect(messages).toEqual([{ at: 1_000_000, lines: [{ event, count: 1 }] }]);
    expect(store.delivered.has(event.id)).toBe(true);
  });

  test('the lines that wait for the pace go out together, in order, one message per interval', async () => {
    const { store, messages, flush } = setUp();
    store.add('requested');
    await flush();
    for (let i = 0; i < 45; i++) store.add('granted');
    await flush();
    expect(messages.map((m) => m.lines.length)).toEqual([1, 20, 20, 5]);
    expect(messages.map((m) => m.at - messages[0]!.at)).toEqual([0, 1000, 2000, 3000]);
    const shown = messages.flatMap((m) => m.lines.map((l) => l.event.id));
    expect(shown).toEqual(store.events.map((e) => e.id));
    expect(store.delivered.size).toBe(46);
  });

  test('while another worker holds the channel nothing is posted; the holder posts what arrived meanwhile', async () => {
    const { store, messages, flush, clock } = setUp();
    await store.acquireChannel('other-worker', clock.now(), new Date(clock.now().getTime() + 60_000));
    store.add('requested');
    expect(await flush()).toEqual({ messages: 0, lines: 0 });
    expect(messages).toHaveLength(0);
    await store.releaseChannel('other-worker');
    expect(await flush()).toEqual({ messages: 1, lines: 1 });
  });

  test("a crashed holder's lease runs out and the channel is taken over", async () => {
    const { store, flush, clock, advance } = setUp();
    await store.acquireChannel('crashed', clock.now(), new Date(clock.now().getTime() + 60_000));
    store.add('requested');
    advance(60_001);
    expect(await flush()).toEqual({ messages: 1, lines: 1 });
  });

  test('a failed post leaves the events undelivered and the channel free for the retry', async () => {
    const { store, channel, flush } = setUp();
    store.add('requested');
    channel.postLines.mockRejectedValueOnce(new Error('ratelimited'));
    await expect(flush()).rejects.toThrow('ratelimited');
    expect(store.delivered.size).toBe(0);
    expect(store.lease).toBeNull();
    expect(await flush()).toEqual({ messages: 1, lines: 1 });
  });

  test('refusals by one person on one request: one line per window, the later one with its count', async () => {
    const { store, messages, flush, advance } = setUp();
    store.add('refused', 'U9');
    await flush();
    for (let i = 0; i < 39; i++) {
      store.add('refused', 'U9');
      await flush();
    }
    expect(messages.map((m) => m.lines.map((l) => l.count))).toEqual([[1]]);
    advance(10 * 60_000);
    await flush();
    expect(messages.map((m) => m.lines.map((l) => l.count))).toEqual([[1], [39]]);
    expect(store.delivered.size).toBe(40);
  });

  test('a flush that could not let go of the channel (database gone) takes its own lease back at the next try', async () => {
    const { store, flush } = setUp();
    store.add('requested');
    const release = jest.spyOn(store, 'releaseChannel').mockRejectedValueOnce(new Error('database unreachable'));
    await expect(flush()).rejects.toThrow('database unreachable');
    expect(store.lease).not.toBeNull();
    release.mockRestore();
    store.add('approved');
    expect(await flush()).toEqual({ messages: 1, lines: 1 });
  });

  test('asked again while it runs, the running flush goes round once more', async () => {
    const { store, channel, messages, flush } = setUp();
    store.add('requested');
    let late: Promise<unknown> | undefined;
    channel.postLines.mockImplementationOnce(async (lines) => {
      messages.push({ at: 0, lines: [...lines] });
      store.add('approved');
      late = flush();
    });
    await flush();
    expect(await late).toEqual({ messages: 0, lines: 0 });
    expect(messages.map((m) => m.lines.map((l) => l.event.action))).toEqual([['requested'], ['approved']]);
  });

  test('posted but not marked (the database went away): marked at the next try, not posted twice', async () => {
    const { store, messages, flush } = setUp();
    store.add('requested');
    const mark = jest.spyOn(store, 'markPosted').mockRejectedValueOnce(new Error('database unreachable'));
    await expect(flush()).rejects.toThrow('database unreachable');
    expect(store.delivered.size).toBe(0);
    mark.mockRestore();
    await flush();
    expect(messages).toHaveLength(1);
    expect(store.delivered.size).toBe(1);
  });
});
