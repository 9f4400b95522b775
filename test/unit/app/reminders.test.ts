import type { MessageRef, Messenger, RequestFacts } from '../../../src/app/ports';
import { pendingReminders } from '../../../src/app/reminders';
import type { Catalog } from '../../../src/domain/catalog';
import type { EscalationTarget, Reminders } from '../../../src/domain/reminders';
import type { AccessRequestRecord } from '../../../src/domain/request';
import { fakeWorld, TEST_CATALOG } from '../../support/fakes';

const MINUTE = 60_000;
const REMINDERS: Reminders = { remindAfterSeconds: 15 * 60, escalation: { afterSeconds: 45 * 60, channel: 'CONCALL', group: 'SDBAS' } };

/** orders-db/read-only reminds after 15 minutes and escalates after 45; nothing else has reminders. */
const CATALOG: Catalog = {
  ...TEST_CATALOG,
  resources: TEST_CATALOG.resources.map((resource) =>
    resource.id !== 'orders-db'
      ? resource
      : { ...resource, levels: resource.levels.map((level) => (level.id === 'read-only' ? { ...level, reminders: REMINDERS } : level)) },
  ),
};

/** Slack as a log of the reminders and escalations posted; `failNext` makes the next post throw. */
class FakeReminderMessenger implements Pick<Messenger, 'remindApprovers' | 'escalate'> {
  readonly sent: string[] = [];
  failNext?: Error;

  async remindApprovers(at: MessageRef, { request }: RequestFacts, waitedSeconds: number): Promise<MessageRef> {
    this.fail();
    this.sent.push(`remind #${request.id} in thread ${at.channel}/${at.ts} after ${waitedSeconds}s`);
    return { channel: at.channel, ts: `reply-${this.sent.length}` };
  }

  async escalate(at: MessageRef, { request }: RequestFacts, to: EscalationTarget): Promise<MessageRef> {
    this.fail();
    this.sent.push(`escalate #${request.id} to ${to.channel} about ${at.ts}`);
    return { channel: to.channel!, ts: `escalation-${this.sent.length}` };
  }

  private fail(): void {
    const error = this.failNext;
    this.failNext = undefined;
    if (error) throw error;
  }
}

function setUp() {
  const world = fakeWorld(CATALOG);
  const messenger = new FakeReminderMessenger();
  const reminders = pendingReminders({ ...world, messenger });
  /** A pending request asked now, its approval message posted. */
  const seed = (fields: Partial<AccessRequestRecord> = {}) => world.requests.seed({ channelId: 'CORDERS', messageTs: '1.1', ...fields }).id;
  const row = async (id: number) => (await world.requests.get(id))!;
  return { world, messenger, reminders, seed, row };
}

describe('the reminder sweep', () => {
  test('asks for each step owed now, once per request and step, and for nothing not yet due', async () => {
    const { world, reminders, seed } = setUp();
    const old = seed();
    seed({ level: 'write' }); // no reminders on this level
    seed({ messageTs: null, channelId: null }); // its message is not posted yet
    world.clock.advance(30 * MINUTE);
    const recent = seed();
    world.clock.advance(20 * MINUTE);
    seed(); // too young for anything

    expect(await reminders.sweep()).toEqual({ reminders: 2, escalations: 1 });
    expect(world.announcements.said).toEqual([`reminder #${old}`, `escalation #${old}`, `reminder #${recent}`]);
  });

  test('asks for nothing for a decided or timed-out request, or one whose steps are posted', async () => {
    const { world, reminders, seed } = setUp();
    seed({ status: 'APPROVED' });
    seed({ status: 'DENIED' });
    seed({ pendingExpiresAt: new Date(world.clock.now().getTime() + 40 * MINUTE) });
    seed({ remindedAt: world.clock.now(), escalatedAt: world.clock.now() });
    world.clock.advance(50 * MINUTE);

    expect(await reminders.sweep()).toEqual({ reminders: 0, escalations: 0 });
    expect(world.announcements.said).toEqual([]);
  });

  test('costs no query when no level has reminders', async () => {
    const world = fakeWorld(TEST_CATALOG);
    const awaiting = jest.spyOn(world.requests, 'awaitingReminders');
    expect(await pendingReminders({ ...world, messenger: new FakeReminderMessenger() }).sweep()).toEqual({ reminders: 0, escalations: 0 });
    expect(awaiting).not.toHaveBeenCalled();
  });
});

describe('a reminder step', () => {
  test('is posted once in the thread, recorded with its audit row, and the audit channel asked for it', async () => {
    const { world, messenger, reminders, seed, row } = setUp();
    const id = seed();
    world.clock.advance(15 * MINUTE);

    expect(await reminders.sendStep(id, 'reminder')).toBe('sent');
    expect(await reminders.sendStep(id, 'reminder')).toBe('not owed');
    expect(messenger.sent).toEqual([`remind #${id} in thread CORDERS/1.1 after 900s`]);
    expect((await row(id)).remindedAt).toEqual(world.clock.now());
    const events = world.audit.events.filter((e) => e.requestId === id);
    expect(events.map((e) => [e.action, e.actor, e.detail])).toEqual([
      ['reminded', 'system', { channel: 'CORDERS', ts: 'reply-1', afterSeconds: 900 }],
    ]);
    expect(world.announcements.said).toEqual([`audit ${events[0]!.id}`]);
  });

  test('escalates to its target with the approval message, once', async () => {
    const { world, messenger, reminders, seed, row } = setUp();
    const id = seed();
    world.clock.advance(45 * MINUTE);

    expect(await reminders.sendStep(id, 'escalation')).toBe('sent');
    expect(await reminders.sendStep(id, 'escalation')).toBe('not owed');
    expect(messenger.sent).toEqual([`escalate #${id} to CONCALL about 1.1`]);
    expect((await row(id)).escalatedAt).toEqual(world.clock.now());
  });

  test('is not posted before its time, nor after a decision', async () => {
    const { world, messenger, reminders, seed } = setUp();
    const early = seed();
    world.clock.advance(10 * MINUTE);
    expect(await reminders.sendStep(early, 'reminder')).toBe('not owed');
    const approved = seed();
    world.clock.advance(50 * MINUTE);
    await world.requests.transition(approved, 'APPROVED', {}, { actor: 'UMGR1', action: 'approved' });
    expect(await reminders.sendStep(approved, 'reminder')).toBe('not owed');
    expect(await reminders.sendStep(approved, 'escalation')).toBe('not owed');
    expect(messenger.sent).toEqual([]);
  });

  test('is not posted while another worker holds its claim, and is once that claim goes stale', async () => {
    const { world, messenger, reminders, seed } = setUp();
    const id = seed();
    world.clock.advance(15 * MINUTE);
    await world.requests.claimStep(id, 'reminder', world.clock.now());

    expect(await reminders.sendStep(id, 'reminder')).toBe('claimed elsewhere');
    expect(messenger.sent).toEqual([]);
    world.clock.advance(61_000);
    expect(await reminders.sendStep(id, 'reminder')).toBe('sent');
    expect(messenger.sent).toHaveLength(1);
  });

  test('whose post fails gives its claim back and throws, so the retry posts it', async () => {
    const { world, messenger, reminders, seed, row } = setUp();
    const id = seed();
    world.clock.advance(15 * MINUTE);
    messenger.failNext = new Error('Slack is down');

    await expect(reminders.sendStep(id, 'reminder')).rejects.toThrow('Slack is down');
    expect((await row(id)).remindedAt).toBeNull();
    expect(await reminders.sendStep(id, 'reminder')).toBe('sent');
    expect(messenger.sent).toHaveLength(1);
  });

  test('posted while the database would not record it is recorded at the next try, not posted again', async () => {
    const { world, messenger, reminders, seed, row } = setUp();
    const id = seed();
    world.clock.advance(15 * MINUTE);
    const record = jest.spyOn(world.requests, 'recordStep').mockRejectedValueOnce(new Error('database gone'));

    await expect(reminders.sendStep(id, 'reminder')).rejects.toThrow('database gone');
    expect(await reminders.sendStep(id, 'reminder')).toBe('sent');
    expect(messenger.sent).toHaveLength(1);
    expect(record).toHaveBeenCalledTimes(2);
    expect((await row(id)).remindedAt).not.toBeNull();
    expect(world.audit.events.filter((e) => e.action === 'reminded')).toHaveLength(1);
  });
});
