import type { WorkingHours } from './catalog';
import { wallClockOf } from './scheduled-start';

/** What an access review covers: grants that began in [from, to), of one resource or all. */
export interface ReportWindow {
  from: Date;
  to: Date;
  resourceId: string | null;
}

/** Per resource, level and requester over the window, as the database sums it up. */
export interface HolderTotals {
  resourceId: string;
  level: string;
  requesterId: string;
  /** Requests made in the window, whatever became of them. */
  requests: number;
  /** Grants that began in the window. */
  grants: number;
  /** How long those grants held access (a live one: so far). */
  heldSeconds: number;
  breakGlass: number;
  /** Of those grants, how many were ever REVOKE_FAILED. */
  failedRevokes: number;
}

/** How many approvals one approver gave one requester's requests on one level, in the window. */
export interface ApprovalCount {
  resourceId: string;
  level: string;
  requesterId: string;
  approverId: string;
  approvals: number;
}

/** One grant of the window, for the rules that look at each grant's time and length. */
export interface GrantFacts {
  requestId: number;
  resourceId: string;
  level: string;
  requesterId: string;
  grantedAt: Date;
  heldSeconds: number;
}

export interface ReportFacts {
  holders: HolderTotals[];
  approvals: ApprovalCount[];
  grants: GrantFacts[];
}

export interface ApproverCount {
  approverId: string;
  approvals: number;
}

/**
 * Sessions and statements are not recorded yet: null, shown as "unknown", so a grant is never called
 * unused for want of data.
 */
export interface Usage {
  sessions: number | null;
  statements: number | null;
}

export type HolderReport = HolderTotals & Usage & { approvers: ApproverCount[] };

export interface LevelReport extends Usage {
  resourceId: string;
  level: string;
  requests: number;
  grants: number;
  heldSeconds: number;
  breakGlass: number;
  failedRevokes: number;
  /** Grants nobody used; null while usage is not recorded. */
  unusedGrants: number | null;
  holders: HolderReport[];
  approvers: ApproverCount[];
}

export type Pattern =
  | { kind: 'after_hours'; requestId: number; resourceId: string; level: string; requesterId: string; grantedAt: Date }
  | { kind: 'frequent_requester'; resourceId: string; requesterId: string; requests: number; peerMedian: number }
  | {
      kind: 'long_grant';
      requestId: number;
      resourceId: string;
      level: string;
      requesterId: string;
      heldSeconds: number;
      levelMedianSeconds: number;
    }
  | { kind: 'lopsided_approver'; requesterId: string; approverId: string; approvals: number; ofApprovals: number };

export interface AccessReport {
  window: ReportWindow;
  levels: LevelReport[];
  patterns: Pattern[];
  /** Null: the catalog names no working hours, so the after-hours rule is off. */
  workingHours: WorkingHours | null;
  /** Whether sessions and statements were recorded for the window (not yet: see Usage). */
  usageRecorded: boolean;
}

/** A requester is called out on a resource when they asked at least this often… */
export const FREQUENT_MIN_REQUESTS = 5;
/** …and this many times the median of the other requesters of that resource. */
export const FREQUENT_FACTOR = 3;
/** A grant is called out when it held access this many times the median of its level's grants… */
export const LONG_GRANT_FACTOR = 3;
/** …when that level had at least this many grants (fewer make no usual). */
export const LONG_GRANT_MIN_GRANTS = 3;
/** One approver is called out when they gave at least this many of one requester's approvals… */
export const LOPSIDED_MIN_APPROVALS = 4;
/** …and at least this share of them. */
export const LOPSIDED_SHARE = 0.75;

/** Sums the facts up per resource and level, and applies every rule of unusual patterns. */
export function summarizeAccess(facts: ReportFacts, window: ReportWindow, workingHours: WorkingHours | null): AccessReport {
  return {
    window,
    levels: levelReports(facts),
    patterns: [
      ...(workingHours ? afterHoursGrants(facts.grants, workingHours) : []),
      ...frequentRequesters(facts.holders),
      ...longGrants(facts.grants),
      ...lopsidedApprovers(facts.approvals),
    ],
    workingHours,
    usageRecorded: false,
  };
}

function levelReports(facts: ReportFacts): LevelReport[] {
  const levels = groupBy(facts.holders, (h) => `${h.resourceId}\u0000${h.level}`);
  const approvals = groupBy(facts.approvals, (a) => `${a.resourceId}\u0000${a.level}\u0000${a.requesterId}`);
  return [...levels.values()]
    .map((holders) => {
      const rows = holders
        .map((h) => ({
          ...h,
          sessions: null,
          statements: null,
          approvers: approverCounts(approvals.get(`${h.resourceId}\u0000${h.level}\u0000${h.requesterId}`) ?? []),
        }))
        .sort((a, b) => b.grants - a.grants || b.requests - a.requests || a.requesterId.localeCompare(b.requesterId));
      const total = (field: 'requests' | 'grants' | 'heldSeconds' | 'breakGlass' | 'failedRevokes') =>
        rows.reduce((sum, row) => sum + row[field], 0);
      return {
        resourceId: holders[0]!.resourceId,
        level: holders[0]!.level,
        requests: total('requests'),
        grants: total('grants'),
        heldSeconds: total('heldSeconds'),
        breakGlass: total('breakGlass'),
        failedRevokes: total('failedRevokes'),
        unusedGrants: null,
        sessions: null,
        statements: null,
        holders: rows,
        approvers: approverCounts(rows.flatMap((row) => row.approvers)),
      };
    })
    .sort((a, b) => a.resourceId.localeCompare(b.resourceId) || a.level.localeCompare(b.level));
}

function approverCounts(counts: readonly ApproverCount[]): ApproverCount[] {
  const sums = new Map<string, number>();
  for (const { approverId, approvals } of counts) sums.set(approverId, (sums.get(approverId) ?? 0) + approvals);
  return [...sums]
    .map(([approverId, approvals]) => ({ approverId, approvals }))
    .sort((a, b) => b.approvals - a.approvals || a.approverId.localeCompare(b.approverId));
}

/** Whether `at` falls inside the working hours, on the clock of their time zone. */
export function withinWorkingHours(at: Date, hours: WorkingHours): boolean {
  const wall = wallClockOf(at, hours.timeZone);
  const weekday = new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay();
  const minute = wall.hour * 60 + wall.minute;
  return hours.days.includes(weekday) && minute >= hours.fromMinute && minute < hours.toMinute;
}

/** Grants that began outside working hours. */
export function afterHoursGrants(grants: readonly GrantFacts[], hours: WorkingHours): Pattern[] {
  return grants
    .filter((g) => !withinWorkingHours(g.grantedAt, hours))
    .map(({ requestId, resourceId, level, requesterId, grantedAt }) => ({
      kind: 'after_hours',
      requestId,
      resourceId,
      level,
      requesterId,
      grantedAt,
    }));
}

/** Requesters who asked for a resource far more often than its other requesters (the median of theirs). */
export function frequentRequesters(holders: readonly HolderTotals[]): Pattern[] {
  const byResource = groupBy(holders, (h) => h.resourceId);
  return [...byResource].flatMap(([resourceId, rows]) => {
    const perRequester = new Map<string, number>();
    for (const row of rows) perRequester.set(row.requesterId, (perRequester.get(row.requesterId) ?? 0) + row.requests);
    return [...perRequester].flatMap(([requesterId, requests]): Pattern[] => {
      const peers = [...perRequester].filter(([other, n]) => other !== requesterId && n > 0).map(([, n]) => n);
      if (peers.length === 0 || requests < FREQUENT_MIN_REQUESTS) return [];
      const peerMedian = median(peers);
      return requests >= FREQUENT_FACTOR * peerMedian
        ? [{ kind: 'frequent_requester', resourceId, requesterId, requests, peerMedian }]
        : [];
    });
  });
}

/** Grants that held access far longer than their level's usual (the median of its grants in the window). */
export function longGrants(grants: readonly GrantFacts[]): Pattern[] {
  const byLevel = groupBy(grants, (g) => `${g.resourceId}\u0000${g.level}`);
  return [...byLevel.values()].flatMap((rows) => {
    if (rows.length < LONG_GRANT_MIN_GRANTS) return [];
    const levelMedianSeconds = median(rows.map((g) => g.heldSeconds));
    return rows
      .filter((g) => g.heldSeconds > LONG_GRANT_FACTOR * levelMedianSeconds)
      .map(({ requestId, resourceId, level, requesterId, heldSeconds }) => ({
        kind: 'long_grant' as const,
        requestId,
        resourceId,
        level,
        requesterId,
        heldSeconds,
        levelMedianSeconds,
      }));
  });
}

/** One approver giving most of one requester's approvals, again and again (across the window's resources). */
export function lopsidedApprovers(approvals: readonly ApprovalCount[]): Pattern[] {
  return [...groupBy(approvals, (a) => a.requesterId)].flatMap(([requesterId, rows]) => {
    const counts = approverCounts(rows);
    const ofApprovals = counts.reduce((sum, c) => sum + c.approvals, 0);
    return counts
      .filter((c) => c.approvals >= LOPSIDED_MIN_APPROVALS && c.approvals >= LOPSIDED_SHARE * ofApprovals)
      .map(({ approverId, approvals: given }) => ({
        kind: 'lopsided_approver' as const,
        requesterId,
        approverId,
        approvals: given,
        ofApprovals,
      }));
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}

/** Digest windows are counted from a Monday at 00:00 UTC, so a weekly digest covers Monday to Monday. */
const DIGEST_EPOCH_MS = Date.UTC(1970, 0, 5);

/** The last whole window of `intervalSeconds` before `now`: what a digest posted now covers. */
export function digestWindow(now: Date, intervalSeconds: number): ReportWindow {
  const size = intervalSeconds * 1000;
  const end = DIGEST_EPOCH_MS + Math.floor((now.getTime() - DIGEST_EPOCH_MS) / size) * size;
  return { from: new Date(end - size), to: new Date(end), resourceId: null };
}
