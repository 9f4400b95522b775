import {
  afterHoursGrants,
  digestWindow,
  frequentRequesters,
  type GrantFacts,
  type HolderTotals,
  longGrants,
  lopsidedApprovers,
  summarizeAccess,
  withinWorkingHours,
} from '../../../src/domain/access-report';
import { describePattern, digestSummary, formatReport } from '../../../src/domain/access-report-output';
import type { WorkingHours } from '../../../src/domain/catalog';

const PARIS_OFFICE: WorkingHours = { days: [1, 2, 3, 4, 5], fromMinute: 9 * 60, toMinute: 18 * 60, timeZone: 'Europe/Paris' };
const WINDOW = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z'), resourceId: null };

function grant(requestId: number, grantedAt: string, heldSeconds = 3600, over: Partial<GrantFacts> = {}): GrantFacts {
  return {
    requestId,
    resourceId: 'orders-db',
    level: 'read-only',
    requesterId: 'UDEV',
    grantedAt: new Date(grantedAt),
    heldSeconds,
    ...over,
  };
}

function holder(requesterId: string, requests: number, over: Partial<HolderTotals> = {}): HolderTotals {
  const base = { heldSeconds: 0, breakGlass: 0, failedRevokes: 0, grants: requests };
  return { resourceId: 'orders-db', level: 'read-only', requesterId, requests, ...base, ...over };
}

describe('working hours', () => {
  test('are read on the clock of their time zone, days and hours both', () => {
    // Tuesday 1 December 2026: Paris is UTC+1.
    expect(withinWorkingHours(new Date('2026-12-01T08:00:00Z'), PARIS_OFFICE)).toBe(true); // 09:00 in Paris
    expect(withinWorkingHours(new Date('2026-12-01T07:59:00Z'), PARIS_OFFICE)).toBe(false); // 08:59
    expect(withinWorkingHours(new Date('2026-12-01T16:59:00Z'), PARIS_OFFICE)).toBe(true); // 17:59
    expect(withinWorkingHours(new Date('2026-12-01T17:00:00Z'), PARIS_OFFICE)).toBe(false); // 18:00: the end is not in
    // Saturday 28 November at noon; and Friday 23:30 UTC is already Saturday 00:30 in Paris.
    expect(withinWorkingHours(new Date('2026-11-28T11:00:00Z'), PARIS_OFFICE)).toBe(false);
    expect(withinWorkingHours(new Date('2026-11-27T23:30:00Z'), { ...PARIS_OFFICE, fromMinute: 0 })).toBe(false);
  });

  test('a grant begun outside them is named, one begun inside is not', () => {
    const found = afterHoursGrants([grant(1, '2026-12-01T10:00:00Z'), grant(2, '2026-11-30T21:30:00Z')], PARIS_OFFICE);
    expect(found).toEqual([expect.objectContaining({ kind: 'after_hours', requestId: 2, requesterId: 'UDEV' })]);
    expect(describePattern(found[0]!, PARIS_OFFICE)).toBe(
      '#2 orders-db/read-only granted to UDEV outside working hours, at 2026-11-30 22:30 Europe/Paris',
    );
  });

  test('without working hours in the catalog, the rule is off', () => {
    const report = summarizeAccess({ holders: [], approvals: [], grants: [grant(2, '2026-11-29T03:00:00Z')] }, WINDOW, null);
    expect(report.patterns).toEqual([]);
    expect(formatReport(report, 'markdown')).toContain('not set in the catalog (workingHours)');
  });
});

describe('a requester asking much more often than their peers', () => {
  test('is named at 3× the median of the others on the same resource, and at least 5 requests', () => {
    const found = frequentRequesters([holder('UA', 6), holder('UB', 2), holder('UC', 1), holder('UD', 2)]);
    expect(found).toEqual([{ kind: 'frequent_requester', resourceId: 'orders-db', requesterId: 'UA', requests: 6, peerMedian: 2 }]);
  });

  test('levels of one resource count together; other resources are not peers', () => {
    const split = [holder('UA', 3), holder('UA', 3, { level: 'write' }), holder('UB', 1)];
    expect(frequentRequesters(split)).toEqual([expect.objectContaining({ requesterId: 'UA', requests: 6, peerMedian: 1 })]);
    expect(frequentRequesters([holder('UA', 9), holder('UB', 1, { resourceId: 'billing-db' })])).toEqual([]);
  });

  test('few requests, or ordinary ones, are not', () => {
    expect(frequentRequesters([holder('UA', 4), holder('UB', 1)])).toEqual([]);
    expect(frequentRequesters([holder('UA', 8), holder('UB', 3)])).toEqual([]);
  });
});

describe('a grant far longer than its level usually lasts', () => {
  test('is named above 3× the median of the level, with the median', () => {
    const grants = [
      grant(1, '2026-11-02T10:00:00Z', 3600),
      grant(2, '2026-11-03T10:00:00Z', 1800),
      grant(3, '2026-11-04T10:00:00Z', 4 * 3600),
    ];
    expect(longGrants(grants)).toEqual([
      expect.objectContaining({ kind: 'long_grant', requestId: 3, heldSeconds: 14400, levelMedianSeconds: 3600 }),
    ]);
    expect(describePattern(longGrants(grants)[0]!, null)).toBe(
      "#3 orders-db/read-only held by UDEV for 4h; the level's grants usually last 1h (median)",
    );
  });

  test('exactly 3×, or a level with fewer than 3 grants, is not', () => {
    expect(
      longGrants([
        grant(1, '2026-11-02T10:00:00Z', 3600),
        grant(2, '2026-11-03T10:00:00Z', 3600),
        grant(3, '2026-11-04T10:00:00Z', 3 * 3600),
      ]),
    ).toEqual([]);
    expect(longGrants([grant(1, '2026-11-02T10:00:00Z', 60), grant(2, '2026-11-03T10:00:00Z', 86_400)])).toEqual([]);
  });
});

describe('one approver approving one requester again and again', () => {
  const approval = (approverId: string, approvals: number, requesterId = 'UDEV') => ({
    resourceId: 'orders-db',
    level: 'read-only',
    requesterId,
    approverId,
    approvals,
  });

  test('is named with at least 4 approvals and 75% of that requester’s', () => {
    const found = lopsidedApprovers([approval('UBOSS', 4), approval('UBOSS', 1), approval('UOTHER', 1), approval('UOTHER', 3, 'UELSE')]);
    expect(found).toEqual([{ kind: 'lopsided_approver', requesterId: 'UDEV', approverId: 'UBOSS', approvals: 5, ofApprovals: 6 }]);
    expect(describePattern(found[0]!, null)).toBe('UBOSS gave 5 of the 6 approvals UDEV received');
  });

  test('approvals shared out, or too few, are not', () => {
    expect(lopsidedApprovers([approval('UA', 4), approval('UB', 2)])).toEqual([]);
    expect(lopsidedApprovers([approval('UA', 3)])).toEqual([]);
  });
});

describe('the summary', () => {
  const facts = {
    holders: [
      holder('UDEV', 3, { grants: 2, heldSeconds: 5400, breakGlass: 1, failedRevokes: 1 }),
      holder('UOPS', 1, { grants: 1, heldSeconds: 600 }),
    ],
    approvals: [
      { resourceId: 'orders-db', level: 'read-only', requesterId: 'UDEV', approverId: 'UBOSS', approvals: 1 },
      { resourceId: 'orders-db', level: 'read-only', requesterId: 'UOPS', approverId: 'UBOSS', approvals: 1 },
      { resourceId: 'orders-db', level: 'read-only', requesterId: 'UOPS', approverId: 'UCTO', approvals: 1 },
    ],
    grants: [],
  };

  test('adds up each level and its approvers, and leaves usage unknown rather than zero', () => {
    const [level] = summarizeAccess(facts, WINDOW, null).levels;
    expect(level).toMatchObject({
      requests: 4,
      grants: 3,
      heldSeconds: 6000,
      breakGlass: 1,
      failedRevokes: 1,
      unusedGrants: null,
      sessions: null,
    });
    expect(level!.approvers).toEqual([
      { approverId: 'UBOSS', approvals: 2 },
      { approverId: 'UCTO', approvals: 1 },
    ]);
    expect(level!.holders.map((h) => [h.requesterId, h.approvers.length, h.statements])).toEqual([
      ['UDEV', 1, null],
      ['UOPS', 2, null],
    ]);
  });

  test('renders as markdown, CSV and JSON with the same numbers', () => {
    const report = summarizeAccess(facts, WINDOW, PARIS_OFFICE);
    const markdown = formatReport(report, 'markdown');
    expect(markdown).toContain('3 grants (4 requests), held 1h40m in all; 1 break-glass, 1 failed revokes, grants never used: unknown.');
    expect(markdown).toContain('| UDEV | 3 | 2 | 1h30m | 1 | 1 | unknown | unknown | UBOSS (1) |');
    expect(markdown).toContain('Working hours: mon,tue,wed,thu,fri 09:00–18:00 Europe/Paris.');
    const csv = formatReport(report, 'csv').trim().split('\n');
    expect(csv[0]).toBe(
      'row,resource,level,requester,requests,grants,held_seconds,break_glass,failed_revokes,sessions,statements,approvers,pattern,detail',
    );
    expect(csv[2]).toBe('holder,orders-db,read-only,UOPS,1,1,600,0,0,unknown,unknown,"UBOSS (1), UCTO (1)",,');
    const json = JSON.parse(formatReport(report, 'json'));
    expect(json).toMatchObject({ usageRecorded: false, levels: [{ grants: 3, heldSeconds: 6000, unusedGrants: null }] });
  });

  test('a CSV cell a spreadsheet would run as a formula is defused', () => {
    const report = summarizeAccess({ holders: [holder('=HYPERLINK("x")', 1)], approvals: [], grants: [] }, WINDOW, null);
    expect(formatReport(report, 'csv')).toContain(`holder,orders-db,read-only,"'=HYPERLINK(""x"")",`);
  });
});

describe('the digest', () => {
  test('covers the last whole window before now, weekly from Monday to Monday (UTC)', () => {
    // Tuesday 1 December 2026: the week before is Monday 23 to Monday 30 November.
    expect(digestWindow(new Date('2026-12-01T10:00:00Z'), 7 * 86_400)).toEqual({
      from: new Date('2026-11-23T00:00:00Z'),
      to: new Date('2026-11-30T00:00:00Z'),
      resourceId: null,
    });
    expect(digestWindow(new Date('2026-11-30T00:00:00Z'), 7 * 86_400).to).toEqual(new Date('2026-11-30T00:00:00Z'));
    expect(digestWindow(new Date('2026-12-01T10:00:00Z'), 86_400)).toMatchObject({ from: new Date('2026-11-30T00:00:00Z') });
  });

  test('says the totals, each pattern (ten at most) and where the full report is', () => {
    const grants = Array.from({ length: 12 }, (_, i) => grant(i + 1, `2026-11-${String(i + 10).padStart(2, '0')}T22:00:00Z`));
    const facts = { holders: [holder('UDEV', 12, { heldSeconds: 12 * 3600 })], approvals: [], grants };
    const summary = digestSummary(summarizeAccess(facts, WINDOW, PARIS_OFFICE));
    expect(summary).toMatch(
      /^access review 2026-11-01T00:00:00.000Z to 2026-12-01T00:00:00.000Z: 12 grants \(orders-db\/read-only 12 \(12h\)\)/,
    );
    expect(summary).toContain(
      'unusual: #1 orders-db/read-only granted to UDEV outside working hours, at 2026-11-10 23:00 Europe/Paris; #2 ',
    );
    expect(summary).toContain('#10 orders-db/read-only granted');
    expect(summary).not.toContain('#11 ');
    expect(summary).toContain('; and 2 more; sessions and statements not recorded yet');
    expect(summary).toMatch(/the full report: prod-access report --from 2026-11-01T00:00:00.000Z --to 2026-12-01T00:00:00.000Z$/);
    expect(digestSummary(summarizeAccess({ holders: [], approvals: [], grants: [] }, WINDOW, null))).toContain(
      ': 0 grants; no unusual pattern;',
    );
  });
});
