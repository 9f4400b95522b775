import type { AccessLevel, Resource } from '../../../../src/domain/catalog';
import type { AccessRequestRecord, DecisionRecord } from '../../../../src/domain/request';
import { approvalMessage } from '../../../../src/slack/render/approval-message';
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
