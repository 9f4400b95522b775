import { expiryWarningAt } from '../../../src/domain/expiry-warning';

describe('when a grant’s expiry warning is due', () => {
  const end = new Date('2030-01-01T10:00:00Z');
  /** Seconds between the warning and the end, for a grant of this many seconds on a level warning this long before. */
  const lead = (warnBeforeSeconds: number | null, durationSeconds: number) => {
    const at = expiryWarningAt({ warnBeforeSeconds }, durationSeconds, end);
    return at && (end.getTime() - at.getTime()) / 1000;
  };

  test.each([
    ['an hour', 3600, 600],
    ['50 minutes: a fifth is exactly 10 minutes', 3000, 600],
    ['30 minutes: a fifth of it', 1800, 360],
    ['2 minutes, as in the sandbox', 120, 24],
    ['7 seconds, to the millisecond', 7, 1.4],
  ])('by default, 10 minutes before the end, or a fifth of the duration for a short grant: %s', (_case, duration, expected) => {
    expect(lead(600, duration)).toBe(expected);
  });

  test('a level’s own warnBefore, also capped at a fifth of a short grant', () => {
    expect(lead(300, 4 * 3600)).toBe(300);
    expect(lead(1800, 3600)).toBe(720);
  });

  test('none when the level turns the warning off', () => {
    expect(lead(null, 3600)).toBeNull();
  });
});
