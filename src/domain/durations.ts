import { UserError } from './errors';

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };
const DURATION_PATTERN = /^(?:(\d{1,4})d)?(?:(\d{1,4})h)?(?:(\d{1,5})m)?(?:(\d{1,6})s)?$/;

/** Parses `30m`, `2h`, `1h30m`, `1d`, `90s` into seconds. */
export function parseDuration(text: string): number {
  const input = text.trim().toLowerCase();
  const match = DURATION_PATTERN.exec(input);
  if (!input || !match || match.slice(1).every((part) => part === undefined)) {
    throw new UserError(
      'INVALID_DURATION',
      `"${truncate(text, 40)}" is not a duration. Use a number with a unit, like 30m, 2h, 1h30m or 1d.`,
      'duration',
    );
  }
  const [, d, h, m, s] = match;
  const seconds = Number(d ?? 0) * UNIT_SECONDS.d! + Number(h ?? 0) * UNIT_SECONDS.h! + Number(m ?? 0) * UNIT_SECONDS.m! + Number(s ?? 0);
  if (seconds <= 0) {
    throw new UserError('INVALID_DURATION', 'A duration must be longer than zero, like 30m or 2h.', 'duration');
  }
  return seconds;
}

/** Formats seconds the way a person writes them: 5400 → `1h30m`. */
export function formatDuration(totalSeconds: number): string {
  let rest = Math.round(totalSeconds);
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out || '0s';
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
