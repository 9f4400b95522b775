import type { AccessLevel, Resource } from '../../../../src/domain/catalog';
import type { AccessRequestRecord, DecisionRecord } from '../../../../src/domain/request';
import { approvalMessage } from '../../../../src/slack/render/approval-message';
import { requestAnswer, requestList } from '../../../../src/slack/render/replies';
import { validateMessageBlocks } from '../../../../devkit/slack-standin/block-kit-limits';

const resource = { id: 'orders-db', name: 'Orders & <Co>' } as Resource;
const level = { id: 'read-only' } as AccessLevel;
const request = (changes: Partial<AccessRequestRecord> = {}): AccessRequestRecord =>
  ({
    id: 42,
    requesterId: 'UDEV',
    resourceId: 'orders-db',
    level: 'read-only',
    targetIdentity: 'alice',
    durationSeconds: 600,
    reason: 'INC-42',
    ticketUrl: null,
    status: 'PENDING',
    approvalsRequired: 1,
    pendingExpiresAt: new Date('2026-12-01T10:00:00Z'),
    extendsRequestId: null,
    failureReason: null,
    ...changes,
  }) as AccessRequestRecord;
const text = (message: ReturnType<typeof approvalMessage>) => JSON.stringify(message.blocks);

describe('the approval message', () => {
  test('shows the ticket under a fixed label with its host, never text the requester chose', () => {
    const message = approvalMessage(request({ ticketUrl: 'https://tickets.example.com/INC-42?a=1&b=2' }), [], resource, level);
    expect(text(message)).toContain('Ticket: <https://tickets.example.com/INC-42?a=1&amp;b=2|open the ticket> (tickets.example.com)');
  });

  test('a ticket stored with a | before links were checked cannot label its link', () => {
    const message = approvalMessage(
      request({ ticketUrl: 'https://evil.example/x|https://tickets.example.com/INC-42' }),
      [],
      resource,
      level,
    );
    expect(text(message)).toContain('<https://evil.example/x%7Chttps://tickets.example.com/INC-42|open the ticket> (evil.example)');
  });

  test.each([
    ['a reason of 1,000 &', request({ reason: '&'.repeat(1000) }), []],
    ['a reason of 3,000 <', request({ reason: '<'.repeat(3000) }), []],
    ['a failure reason of 5,000 >', request({ status: 'FAILED', failureReason: '>'.repeat(5000) }), []],
    [
      'a deny comment of 1,000 &',
      request({ status: 'DENIED' }),
      [{ userId: 'UMGR', kind: 'DENY', comment: '&'.repeat(1000), createdAt: new Date() }] as DecisionRecord[],
    ],
  ])('with %s still fits Slack’s Block Kit limits, cut at an entity', (_, stored, decisions) => {
    const message = approvalMessage(stored, decisions, resource, level);
    expect(validateMessageBlocks(message.blocks)).toBeNull();
    expect(text(message)).not.toMatch(/&(a|am|l|g)?…/);
  });

  test('a reason at the limit is shown whole', () => {
    const reason = `${'&'.repeat(199)}.`;
    expect(text(approvalMessage(request({ reason }), [], resource, level))).toContain(`${'&amp;'.repeat(199)}.`);
  });
});

describe('a request with a scheduled start', () => {
  const startsAt = new Date('2026-12-01T21:00:00Z');
  const scheduled = (changes: Partial<AccessRequestRecord> = {}) => request({ startsAt, durationSeconds: 3600, ...changes });
  const START = '<!date^1796158800^{date_short_pretty} {time}|2026-12-01 21:00 UTC>';
  const END = '<!date^1796162400^{date_short_pretty} {time}|2026-12-01 22:00 UTC>';

  test('the approval message shows the start and the end it asks for, in each reader’s own time', () => {
    const message = approvalMessage(scheduled(), [], resource, level);
    expect(text(message)).toContain(`*Duration*\\n1h\\nfrom ${START}\\nuntil ${END}`);
    expect(message.text).toContain(`for 1h from ${START}`);
    expect(validateMessageBlocks(message.blocks)).toBeNull();
  });

  test('approved before its start, it says the grant waits for the start', () => {
    const approvedBy: DecisionRecord[] = [{ userId: 'UMGR1', kind: 'APPROVE', comment: null, createdAt: new Date() }];
    expect(text(approvalMessage(scheduled({ status: 'APPROVED' }), approvedBy, resource, level))).toContain(
      `Approved by <@UMGR1>; access is granted at its start, ${START}`,
    );
  });

  test('the requester’s answer and their list say the window', () => {
    expect(requestAnswer(scheduled())).toContain(`If approved, access starts ${START} and ends ${END}.`);
    expect(requestList([scheduled()])).toContain(`for 1h, from ${START} until ${END}: pending until`);
    const granted = scheduled({ status: 'ACTIVE', grantedAt: startsAt, expiresAt: new Date('2026-12-01T22:00:00Z') });
    expect(requestList([granted])).toContain(`for 1h: active until ${END}`);
  });
});
