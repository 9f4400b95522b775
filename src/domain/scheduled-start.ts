import { truncate } from './durations';
import { UserError } from './errors';
import type { AccessRequestRecord } from './request';

/**
 * A request may name when its access begins (`--at`, or the modal's picker). Its duration then counts
 * from that start, whenever it is approved, and the grant is applied at the start.
 */

/** How far ahead a start may be: a week, so no approval sits waiting for a grant nobody remembers. */
export const MAX_START_AHEAD_SECONDS = 7 * 86_400;

/** A start this little in the past (the time it took to type or pick it) means now. */
export const START_GRACE_SECONDS = 60;

/** When a request asks its access to begin: as typed after `--at`, or the instant the modal's picker gave. */
export type StartInput = { text: string } | { at: Date };

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * A start as read, before the requester's time zone is known: an instant (a picked time, or a date-time
 * with its offset), or a wall-clock time to be read in the requester's zone (with no date: the next time
 * that clock shows it).
 */
export type ParsedStart =
  | { kind: 'instant'; at: Date }
  | { kind: 'wall'; time: Pick<WallClock, 'hour' | 'minute' | 'second'>; date: Pick<WallClock, 'year' | 'month' | 'day'> | null };

const TIME_ONLY = /^(\d{1,2}):(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})t(\d{2}):(\d{2})(?::(\d{2}))?(z|[+-]\d{2}:?\d{2})?$/;

/** Reads `22:00`, `2026-12-02T09:00`, `2026-12-02T09:00:30Z` or `2026-12-02T09:00+01:00`; checks the syntax only. */
export function parseStart(input: StartInput): ParsedStart {
  if ('at' in input) {
    if (Number.isNaN(input.at.getTime())) throw notAStart(String(input.at));
    return { kind: 'instant', at: input.at };
  }
  const text = input.text.trim().toLowerCase();
  const time = TIME_ONLY.exec(text);
  if (time) {
    const [hour, minute] = [Number(time[1]), Number(time[2])];
    if (hour > 23 || minute > 59) throw notAStart(input.text);
    return { kind: 'wall', time: { hour, minute, second: 0 }, date: null };
  }
  const dateTime = DATE_TIME.exec(text);
  if (!dateTime) throw notAStart(input.text);
  const [year, month, day, hour, minute, second] = dateTime.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = { year, month, day, hour, minute, second };
  if (!isCalendarTime(wall)) throw notAStart(input.text);
  const offset = dateTime[7];
  if (offset === undefined) return { kind: 'wall', time: { hour, minute, second }, date: { year, month, day } };
  const minutesEast = offsetMinutes(offset);
  if (minutesEast === undefined) throw notAStart(input.text);
  return { kind: 'instant', at: new Date(utcOf(wall) - minutesEast * 60_000) };
}

/** Whether reading the start needs the requester's time zone. */
export function needsTimeZone(start: ParsedStart): boolean {
  return start.kind === 'wall';
}

/**
 * The instant a parsed start names, read in `timeZone` (Slack's `tz`, an IANA name; UTC when unknown),
 * checked against the limits. Null when it is now (within the grace): the request is an ordinary one.
 */
export function resolveStart(start: ParsedStart, now: Date, timeZone: string | null): Date | null {
  const zone = knownZone(timeZone);
  // A picked instant is refused as it was picked: the person sees it, and the zone is not known before the ack.
  const shown = (at: Date) => (start.kind === 'wall' || timeZone ? ` ${asOnClock(at, zone)}` : ' you gave');
  let at: Date;
  if (start.kind === 'instant') at = start.at;
  else if (start.date) at = fromWallClock({ ...start.date, ...start.time }, zone);
  else {
    // Today in the requester's zone, or tomorrow once that time has passed there.
    const today = wallClockOf(now, zone);
    at = fromWallClock({ ...today, ...start.time }, zone);
    if (at.getTime() < now.getTime() - START_GRACE_SECONDS * 1000) {
      const tomorrow = new Date(Date.UTC(today.year, today.month - 1, today.day + 1));
      const date = { year: tomorrow.getUTCFullYear(), month: tomorrow.getUTCMonth() + 1, day: tomorrow.getUTCDate() };
      at = fromWallClock({ ...date, ...start.time }, zone);
    }
  }
  if (at.getTime() < now.getTime() - START_GRACE_SECONDS * 1000) {
    throw new UserError(
      'INVALID_START',
      `The start${shown(at)} is in the past. Give a time ahead, or leave the start out for access as soon as it is approved.`,
      'start',
    );
  }
  if (at.getTime() > now.getTime() + MAX_START_AHEAD_SECONDS * 1000) {
    throw new UserError(
      'INVALID_START',
      `The start${shown(at)} is too far ahead: a start may be at most ${MAX_START_AHEAD_SECONDS / 86_400} days from now.`,
      'start',
    );
  }
  return at.getTime() <= now.getTime() ? null : at;
}

/** Whether the request waits for its scheduled start: approved before it, the grant is applied then. */
export function startIsAhead(request: Pick<AccessRequestRecord, 'startsAt'>, now: Date): boolean {
  return request.startsAt !== null && request.startsAt > now;
}

/**
 * When a grant applied at `grantedAt` ends: its duration from its scheduled start (the window the approvers
 * saw, even when they approved after the start), or from the grant when it has none.
 */
export function expiryOf(request: Pick<AccessRequestRecord, 'startsAt' | 'durationSeconds'>, grantedAt: Date): Date {
  return windowEnd(request.startsAt ?? grantedAt, request.durationSeconds);
}

/** The end of the window a scheduled request asks for: its start plus its duration. */
export function windowEnd(startsAt: Date, durationSeconds: number): Date {
  return new Date(startsAt.getTime() + durationSeconds * 1000);
}

/**
 * How long a request waits for its approvals: the catalog's pending timeout, or until its start when that
 * is later (approvers may decide up to the start), and never past the end of the window it asks for.
 */
export function pendingDeadline(now: Date, timeoutSeconds: number, startsAt: Date | null, durationSeconds: number): Date {
  const timeout = now.getTime() + timeoutSeconds * 1000;
  if (startsAt === null) return new Date(timeout);
  return new Date(Math.min(Math.max(timeout, startsAt.getTime()), windowEnd(startsAt, durationSeconds).getTime()));
}

function notAStart(text: string): UserError {
  return new UserError(
    'INVALID_START',
    `"${truncate(text, 40)}" is not a start time. Use 22:00 (the next 22:00 in your Slack time zone) or 2026-12-02T09:00 (in your time zone; add Z or +01:00 for another offset).`,
    'start',
  );
}

/** A zone Slack gave that this runtime knows, or UTC. */
function knownZone(timeZone: string | null): string {
  if (!timeZone) return 'UTC';
  try {
    formatterFor(timeZone);
    return timeZone;
  } catch {
    return 'UTC';
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** What a clock in `zone` shows at `at`. */
export function wallClockOf(at: Date, zone: string): WallClock {
  const parts = Object.fromEntries(
    formatterFor(zone)
      .formatToParts(at)
      .map((part) => [part.type, Number(part.value)]),
  );
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/**
 * The instant a clock in `zone` shows `wall`. The zone's offset is read at a first guess and again at the
 * result, which settles it across a change of offset; a time the clocks skip (the spring change) is refused.
 */
function fromWallClock(wall: WallClock, zone: string): Date {
  const asUtc = utcOf(wall);
  const offsetAt = (instant: number) => utcOf(wallClockOf(new Date(instant), zone)) - instant;
  const first = asUtc - offsetAt(asUtc);
  const candidates = [first, asUtc - offsetAt(first)];
  const found = candidates.find((instant) => utcOf(wallClockOf(new Date(instant), zone)) === asUtc);
  if (found === undefined) {
    throw new UserError(
      'INVALID_START',
      `${pad(wall.hour)}:${pad(wall.minute)} does not exist on ${wall.year}-${pad(wall.month)}-${pad(wall.day)} in ${zone}: the clocks skip it. Give another time.`,
      'start',
    );
  }
  return new Date(found);
}

function utcOf(wall: WallClock): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

function isCalendarTime(wall: WallClock): boolean {
  if (wall.hour > 23 || wall.minute > 59 || wall.second > 59) return false;
  const date = new Date(utcOf(wall));
  return date.getUTCFullYear() === wall.year && date.getUTCMonth() + 1 === wall.month && date.getUTCDate() === wall.day;
}

/** `+01:00`, `-0530` or `z` in minutes east of UTC; undefined beyond the offsets clocks use (±14:00). */
function offsetMinutes(offset: string): number | undefined {
  if (offset === 'z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const [hours, minutes] = [Number(digits.slice(0, 2)), Number(digits.slice(2))];
  if (hours > 14 || minutes > 59) return undefined;
  return (offset.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/** `2026-12-02 09:00 (Europe/Paris)`: a time as the requester's clock shows it. */
function asOnClock(at: Date, zone: string): string {
  const wall = wallClockOf(at, zone);
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)} ${pad(wall.hour)}:${pad(wall.minute)} (${zone})`;
}

const pad = (n: number) => String(n).padStart(2, '0');
