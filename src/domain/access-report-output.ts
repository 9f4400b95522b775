import type { AccessReport, ApproverCount, Pattern } from './access-report';
import type { WorkingHours } from './catalog';
import { formatDuration } from './durations';
import { wallClockOf } from './scheduled-start';

export const REPORT_FORMATS = ['markdown', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Said wherever usage would show, until sessions and statements are recorded. */
export const USAGE_UNKNOWN_NOTE =
  'Sessions, statements and grants never used show "unknown": prod-access does not record what happens during a grant yet.';

export function formatReport(report: AccessReport, format: ReportFormat): string {
  switch (format) {
    case 'markdown':
      return reportMarkdown(report);
    case 'csv':
      return reportCsv(report);
    case 'json':
      return `${JSON.stringify(reportJson(report), null, 2)}\n`;
  }
}

/** One sentence per pattern, naming the request, the people and the numbers. */
export function describePattern(pattern: Pattern, hours: WorkingHours | null): string {
  switch (pattern.kind) {
    case 'after_hours':
      return (
        `#${pattern.requestId} ${pattern.resourceId}/${pattern.level} granted to ${pattern.requesterId} outside working hours, ` +
        `at ${hours ? `${onClock(pattern.grantedAt, hours.timeZone)} ${hours.timeZone}` : pattern.grantedAt.toISOString()}`
      );
    case 'frequent_requester':
      return `${pattern.requesterId} asked for ${pattern.resourceId} ${pattern.requests} times, against a median of ${pattern.peerMedian} for its other requesters`;
    case 'long_grant':
      return (
        `#${pattern.requestId} ${pattern.resourceId}/${pattern.level} held by ${pattern.requesterId} for ${formatDuration(pattern.heldSeconds)}; ` +
        `the level's grants usually last ${formatDuration(pattern.levelMedianSeconds)} (median)`
      );
    case 'lopsided_approver':
      return `${pattern.approverId} gave ${pattern.approvals} of the ${pattern.ofApprovals} approvals ${pattern.requesterId} received`;
  }
}

const PATTERN_TITLES: Record<Pattern['kind'], string> = {
  after_hours: 'Outside working hours',
  frequent_requester: 'Asks much more often than peers',
  long_grant: "Far longer than the level's usual",
  lopsided_approver: 'One approver, again and again',
};

function reportMarkdown(report: AccessReport): string {
  const { window } = report;
  const lines = [
    `# Access report${window.resourceId ? ` for ${window.resourceId}` : ''}`,
    '',
    `Grants that began from ${window.from.toISOString()} to ${window.to.toISOString()}.`,
    '',
  ];
  if (report.levels.length === 0) lines.push('No requests or grants in this window.', '');
  for (const level of report.levels) {
    lines.push(
      `## ${level.resourceId} / ${level.level}`,
      '',
      `${level.grants} grants (${level.requests} requests), held ${formatDuration(level.heldSeconds)} in all; ` +
        `${level.breakGlass} break-glass, ${level.failedRevokes} failed revokes, grants never used: ${unknownOr(level.unusedGrants)}.`,
      '',
      '| Requester | Requests | Grants | Held | Break-glass | Failed revokes | Sessions | Statements | Approved by |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...level.holders.map((h) =>
        tableRow([
          h.requesterId,
          h.requests,
          h.grants,
          formatDuration(h.heldSeconds),
          h.breakGlass,
          h.failedRevokes,
          unknownOr(h.sessions),
          unknownOr(h.statements),
          approversText(h.approvers) || '—',
        ]),
      ),
      '',
      `Approvers: ${approversText(level.approvers) || 'none (break-glass only)'}`,
      '',
    );
  }
  lines.push('## Unusual patterns', '');
  lines.push(
    report.workingHours
      ? `Working hours: ${hoursText(report.workingHours)}.`
      : 'Working hours: not set in the catalog (workingHours), so grants outside them are not looked for.',
    '',
  );
  if (report.patterns.length === 0) lines.push('None found.', '');
  for (const kind of Object.keys(PATTERN_TITLES) as Pattern['kind'][]) {
    const found = report.patterns.filter((p) => p.kind === kind);
    if (found.length === 0) continue;
    lines.push(`### ${PATTERN_TITLES[kind]}`, '', ...found.map((p) => `- ${describePattern(p, report.workingHours)}`), '');
  }
  if (!report.usageRecorded) lines.push(USAGE_UNKNOWN_NOTE, '');
  return lines.join('\n');
}

const CSV_COLUMNS = [
  'row',
  'resource',
  'level',
  'requester',
  'requests',
  'grants',
  'held_seconds',
  'break_glass',
  'failed_revokes',
  'sessions',
  'statements',
  'approvers',
  'pattern',
  'detail',
] as const;

/** One table: a `holder` row per resource, level and requester, then a `pattern` row per unusual pattern. */
function reportCsv(report: AccessReport): string {
  const rows: Partial<Record<(typeof CSV_COLUMNS)[number], string | number>>[] = [
    ...report.levels.flatMap((level) =>
      level.holders.map((h) => ({
        row: 'holder',
        resource: h.resourceId,
        level: h.level,
        requester: h.requesterId,
        requests: h.requests,
        grants: h.grants,
        held_seconds: h.heldSeconds,
        break_glass: h.breakGlass,
        failed_revokes: h.failedRevokes,
        sessions: unknownOr(h.sessions),
        statements: unknownOr(h.statements),
        approvers: approversText(h.approvers),
      })),
    ),
    ...report.patterns.map((p) => ({
      row: 'pattern',
      resource: 'resourceId' in p ? p.resourceId : '',
      level: 'level' in p ? p.level : '',
      requester: p.requesterId,
      approvers: p.kind === 'lopsided_approver' ? p.approverId : '',
      pattern: p.kind,
      detail: describePattern(p, report.workingHours),
    })),
  ];
  return [CSV_COLUMNS.join(','), ...rows.map((row) => CSV_COLUMNS.map((column) => csvCell(row[column] ?? '')).join(','))]
    .join('\n')
    .concat('\n');
}

function reportJson(report: AccessReport) {
  return {
    from: report.window.from.toISOString(),
    to: report.window.to.toISOString(),
    resource: report.window.resourceId,
    usageRecorded: report.usageRecorded,
    ...(report.usageRecorded ? {} : { usageNote: USAGE_UNKNOWN_NOTE }),
    workingHours: report.workingHours,
    levels: report.levels,
    patterns: report.patterns.map((p) => ({ ...p, detail: describePattern(p, report.workingHours) })),
  };
}

function tableRow(cells: readonly (string | number)[]): string {
  return `| ${cells.map((cell) => String(cell).replace(/\|/g, '\\|')).join(' | ')} |`;
}

function approversText(approvers: readonly ApproverCount[]): string {
  return approvers.map((a) => `${a.approverId} (${a.approvals})`).join(', ');
}

function unknownOr(value: number | null): string | number {
  return value ?? 'unknown';
}

/** Excel and others read a cell starting with = + - @ as a formula: quoted with a leading apostrophe. */
function csvCell(value: string | number): string {
  const text = typeof value === 'number' ? String(value) : /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function hoursText(hours: WorkingHours): string {
  const clock = (minute: number) => `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
  return `${hours.days.map((d) => DAY_NAMES[d]).join(',')} ${clock(hours.fromMinute)}–${clock(hours.toMinute)} ${hours.timeZone}`;
}

function onClock(at: Date, zone: string): string {
  const w = wallClockOf(at, zone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The digest names at most this many levels and this many patterns; the report itself has them all. */
export const DIGEST_MAX_ITEMS = 10;

/** The report as one audit-channel line: the totals, the unusual patterns, and the command for the rest. */
export function digestSummary(report: AccessReport): string {
  const { from, to } = report.window;
  const grants = report.levels.reduce((sum, level) => sum + level.grants, 0);
  const levels = report.levels
    .filter((level) => level.grants > 0)
    .map((level) => `${level.resourceId}/${level.level} ${level.grants} (${formatDuration(level.heldSeconds)})`);
  const patterns = report.patterns.map((p) => describePattern(p, report.workingHours));
  return [
    `access review ${from.toISOString()} to ${to.toISOString()}: ${grants} grants${levels.length > 0 ? ` (${firstOf(levels, ', ')})` : ''}`,
    patterns.length > 0 ? `unusual: ${firstOf(patterns, '; ')}` : 'no unusual pattern',
    ...(report.usageRecorded ? [] : ['sessions and statements not recorded yet, so grants never used are unknown']),
    `the full report: prod-access report --from ${from.toISOString()} --to ${to.toISOString()}`,
  ].join('; ');
}

function firstOf(items: readonly string[], separator: string): string {
  const more = items.length - DIGEST_MAX_ITEMS;
  return items.slice(0, DIGEST_MAX_ITEMS).join(separator) + (more > 0 ? `${separator}and ${more} more` : '');
}
