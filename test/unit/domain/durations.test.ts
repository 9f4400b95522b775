import { formatDuration, parseDuration } from '../../../src/domain/durations';

describe('durations people type', () => {
  test.each([
    ['30m', 1800],
    ['2h', 7200],
    ['1h30m', 5400],
    ['1d', 86400],
    ['90s', 90],
    [' 2H ', 7200],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  test.each(['', 'soon', '10', '1x', '-5m', '0m', '1h 30m', '30m1h', '1.5h'])('"%s" is refused with an example of what works', (text) => {
    expect(() => parseDuration(text)).toThrow(expect.objectContaining({ code: 'INVALID_DURATION', field: 'duration' }));
  });

  test('formats back the way people write them', () => {
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(86400 + 60)).toBe('1d1m');
    expect(formatDuration(4)).toBe('4s');
  });
});
