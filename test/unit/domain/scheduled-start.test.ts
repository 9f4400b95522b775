import {
  expiryOf,
  MAX_START_AHEAD_SECONDS,
  needsTimeZone,
  parseStart,
  pendingDeadline,
  resolveStart,
  type StartInput,
  startIsAhead,
} from '../../../src/domain/scheduled-start';

/** 16:00 in Paris, 10:00 in New York, 20:30 in Kolkata. */
const NOW = new Date('2026-12-01T15:00:00Z');

const startOf = (text: string, zone: string | null, now = NOW) => resolveStart(parseStart({ text }), now, zone);
const iso = (date: Date | null) => date?.toISOString();

describe('a start typed after --at', () => {
  test.each([
    ['22:00', 'Europe/Paris', '2026-12-01T21:00:00.000Z'],
    ['16:30', 'Europe/Paris', '2026-12-01T15:30:00.000Z'],
    ['9:05', 'America/New_York', '2026-12-02T14:05:00.000Z'],
    ['21:00', 'Asia/Kolkata', '2026-12-01T15:30:00.000Z'],
    ['00:00', 'UTC', '2026-12-02T00:00:00.000Z'],
  ])('%s in %s is the next time that clock shows it: %s', (text, zone, expected) => {
    expect(iso(startOf(text, zone))).toBe(expected);
  });

  test('a time that has passed today is tomorrow', () => {
    expect(iso(startOf('10:00', 'Europe/Paris'))).toBe('2026-12-02T09:00:00.000Z');
  });

  test('tomorrow is read in the zone across a change of its clocks', () => {
    // 13:00 in Berlin on the Saturday; on Sunday the clocks go forward, so 09:00 is 07:00 UTC.
    expect(iso(startOf('09:00', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z')))).toBe('2026-03-29T07:00:00.000Z');
  });

  test('the time it is now, within the minute of grace, means now: an ordinary request', () => {
    expect(startOf('16:00', 'Europe/Paris', new Date('2026-12-01T15:00:40Z'))).toBeNull();
  });

  test.each([
    ['2026-12-02T09:00', 'Europe/Paris', '2026-12-02T08:00:00.000Z'],
    ['2026-12-02T09:00', 'America/New_York', '2026-12-02T14:00:00.000Z'],
    ['2026-12-02t09:00:30', 'Asia/Kolkata', '2026-12-02T03:30:30.000Z'],
    ['2026-12-02T09:00Z', 'America/New_York', '2026-12-02T09:00:00.000Z'],
    ['2026-12-02T09:00+01:00', 'America/New_York', '2026-12-02T08:00:00.000Z'],
    ['2026-12-02T09:00-0530', null, '2026-12-02T14:30:00.000Z'],
  ])('%s (requester in %s) is %s', (text, zone, expected) => {
    expect(iso(startOf(text, zone))).toBe(expected);
  });

  test('only a wall-clock time needs the requester’s zone', () => {
    expect(needsTimeZone(parseStart({ text: '22:00' }))).toBe(true);
    expect(needsTimeZone(parseStart({ text: '2026-12-02T09:00' }))).toBe(true);
    expect(needsTimeZone(parseStart({ text: '2026-12-02T09:00Z' }))).toBe(false);
    expect(needsTimeZone(parseStart({ at: new Date('2026-12-02T09:00Z') }))).toBe(false);
  });

  test('an unknown or missing zone reads the time in UTC', () => {
    expect(iso(startOf('22:00', 'Mars/Olympus_Mons'))).toBe('2026-12-01T22:00:00.000Z');
    expect(iso(startOf('22:00', null))).toBe('2026-12-01T22:00:00.000Z');
  });

  test('a time the clocks skip is refused, saying so', () => {
    const skipped = () => startOf('2027-03-14T02:30', 'America/New_York', new Date('2027-03-10T12:00:00Z'));
    expect(skipped).toThrow(expect.objectContaining({ code: 'INVALID_START', field: 'start', message: expect.stringMatching(/skip/) }));
  });

  test('a time the clocks show twice is one of the two', () => {
    const twice = iso(startOf('2026-10-25T02:30', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z')));
    expect(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']).toContain(twice);
  });

  test.each(['', 'soon', '9pm', '24:00', '12:60', '2026-12-02 09:00', '2026-02-30T09:00', '2026-12-02T09:00+15:00', '2026-12-02'])(
    '"%s" is refused with examples of what works',
    (text) => {
      expect(() => startOf(text, 'UTC')).toThrow(
        expect.objectContaining({ code: 'INVALID_START', field: 'start', message: expect.stringContaining('22:00') }),
      );
    },
  );
});

describe('the limits of a start', () => {
  test('more than a minute in the past is refused, in the requester’s time', () => {
    expect(() => startOf('2026-12-01T15:58', 'Europe/Paris')).toThrow(
      expect.objectContaining({
        code: 'INVALID_START',
        message: expect.stringContaining('2026-12-01 15:58 (Europe/Paris) is in the past'),
      }),
    );
  });

  test(`at most ${MAX_START_AHEAD_SECONDS / 86_400} days ahead`, () => {
    expect(iso(startOf('2026-12-08T15:00Z', null))).toBe('2026-12-08T15:00:00.000Z');
    expect(() => startOf('2026-12-08T15:01Z', null)).toThrow(
      expect.objectContaining({ code: 'INVALID_START', message: expect.stringContaining('at most 7 days') }),
    );
  });

  test('a picked instant is checked the same way, and refused as picked', () => {
    const picked = (at: string): StartInput => ({ at: new Date(at) });
    expect(iso(resolveStart(parseStart(picked('2026-12-01T15:00:05Z')), NOW, null))).toBe('2026-12-01T15:00:05.000Z');
    expect(() => resolveStart(parseStart(picked('2026-12-01T14:00:00Z')), NOW, null)).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^The start you gave is in the past/) }),
    );
    expect(() => parseStart({ at: new Date(Number.NaN) })).toThrow(expect.objectContaining({ code: 'INVALID_START' }));
  });
});

describe('a scheduled request’s clock', () => {
  const start = new Date('2026-12-01T18:00:00Z');

  test('its duration counts from the start, whenever the grant is applied', () => {
    expect(expiryOf({ startsAt: start, durationSeconds: 3600 }, new Date('2026-12-01T18:20:00Z'))).toEqual(
      new Date('2026-12-01T19:00:00Z'),
    );
    expect(expiryOf({ startsAt: null, durationSeconds: 3600 }, NOW)).toEqual(new Date('2026-12-01T16:00:00Z'));
  });

  test('it waits for its start until the start comes', () => {
    expect(startIsAhead({ startsAt: start }, NOW)).toBe(true);
    expect(startIsAhead({ startsAt: start }, start)).toBe(false);
    expect(startIsAhead({ startsAt: null }, NOW)).toBe(false);
  });

  test('its approvers have the pending timeout, or until the start when that is later, never past the window’s end', () => {
    const timeout = 3600;
    expect(pendingDeadline(NOW, timeout, null, 600)).toEqual(new Date('2026-12-01T16:00:00Z'));
    expect(pendingDeadline(NOW, timeout, start, 600)).toEqual(start);
    const soon = new Date('2026-12-01T15:10:00Z');
    expect(pendingDeadline(NOW, timeout, soon, 3 * 3600)).toEqual(new Date('2026-12-01T16:00:00Z'));
    expect(pendingDeadline(NOW, timeout, soon, 600)).toEqual(new Date('2026-12-01T15:20:00Z'));
  });
});
