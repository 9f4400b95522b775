import type { Catalog } from '../../../src/domain/catalog';
import { dueSteps, type ReminderFacts, type Reminders, shortestStepDelaySeconds } from '../../../src/domain/reminders';
import { TEST_CATALOG } from '../../support/fakes';

const created = new Date('2030-01-01T09:00:00Z');
const minutes = (n: number) => new Date(created.getTime() + n * 60_000);
const reminders: Reminders = { remindAfterSeconds: 15 * 60, escalation: { afterSeconds: 45 * 60, channel: 'CONCALL', group: null } };

/** A pending request asked at 09:00 whose approval message is posted, timing out at 10:00. */
const pending = (fields: Partial<ReminderFacts> = {}): ReminderFacts => ({
  status: 'PENDING',
  createdAt: created,
  pendingExpiresAt: minutes(60),
  messageTs: '1700000000.000100',
  remindedAt: null,
  escalatedAt: null,
  ...fields,
});

describe('the steps a pending request is owed', () => {
  test('none before the reminder is due, the reminder from its delay on, then the escalation too', () => {
    expect(dueSteps(pending(), reminders, minutes(14))).toEqual([]);
    expect(dueSteps(pending(), reminders, minutes(15))).toEqual(['reminder']);
    expect(dueSteps(pending(), reminders, minutes(45))).toEqual(['reminder', 'escalation']);
  });

  test('a step already posted is owed no more', () => {
    expect(dueSteps(pending({ remindedAt: minutes(15) }), reminders, minutes(30))).toEqual([]);
    expect(dueSteps(pending({ remindedAt: minutes(15) }), reminders, minutes(50))).toEqual(['escalation']);
    expect(dueSteps(pending({ remindedAt: minutes(15), escalatedAt: minutes(45) }), reminders, minutes(50))).toEqual([]);
  });

  test.each(['APPROVED', 'DENIED', 'TIMED_OUT', 'ACTIVE', 'REVOKED'] as const)('none once the request is %s', (status) => {
    expect(dueSteps(pending({ status }), reminders, minutes(50))).toEqual([]);
  });

  test('none at or past the pending timeout, even before the timeout job has run', () => {
    expect(dueSteps(pending({ pendingExpiresAt: minutes(50) }), reminders, minutes(50))).toEqual([]);
  });

  test('none while the approval message is not posted: both steps point to it', () => {
    expect(dueSteps(pending({ messageTs: null }), reminders, minutes(50))).toEqual([]);
  });

  test('only the steps the level has', () => {
    expect(dueSteps(pending(), null, minutes(50))).toEqual([]);
    expect(dueSteps(pending(), { ...reminders, escalation: null }, minutes(50))).toEqual(['reminder']);
    expect(dueSteps(pending(), { ...reminders, remindAfterSeconds: null }, minutes(50))).toEqual(['escalation']);
  });
});

describe("the catalog's shortest step delay", () => {
  test('is the shortest of any level, reminder or escalation, and null when no level has one', () => {
    expect(shortestStepDelaySeconds(TEST_CATALOG)).toBeNull();
    const [orders, flags] = TEST_CATALOG.resources;
    const catalog: Catalog = {
      ...TEST_CATALOG,
      resources: [
        { ...orders!, levels: orders!.levels.map((level) => ({ ...level, reminders })) },
        {
          ...flags!,
          levels: flags!.levels.map((level) => ({
            ...level,
            reminders: { remindAfterSeconds: null, escalation: { afterSeconds: 600, channel: null, group: 'SOPS' } },
          })),
        },
      ],
    };
    expect(shortestStepDelaySeconds(catalog)).toBe(600);
  });
});
