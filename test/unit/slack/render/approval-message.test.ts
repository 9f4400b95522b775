import type { ApprovalContext } from '../../../../src/app/ports';
import type { AccessLevel, Resource } from '../../../../src/domain/catalog';
import type { AccessRequestRecord, DecisionRecord } from '../../../../src/domain/request';
import { approvalMessage, statusLine } from '../../../../src/slack/render/approval-message';
import { requesterNotice } from '../../../../src/slack/render/notices';
import { requestAnswer, requestList } from '../../../../src/slack/render/replies';
import { validateMessageBlocks } from '../../../../devkit/slack-standin/block-kit-limits';

const resource = { id: 'orders-db', name: 'Orders & <Co>' } as Resource;
const level = {
  id: 'read-only',
  approvers: { users: ['UMGR1', 'UMGR2'], groups: ['SDBAS'] },
  confirmApproval: false,
} as AccessLevel;
const writeLevel = { ...level, id: 'write', confirmApproval: true };
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
const context = (changes: Partial<ApprovalContext> = {}): ApprovalContext => ({
  holders: { identities: ['bob', 'carol'], total: 2 },
  allows: { summary: 'SELECT on 14 tables in `public`' },
  ...changes,
});
type Button = { action_id: string; confirm?: { title: { text: string }; text: { text: string } } };
const buttonsOf = (message: ReturnType<typeof approvalMessage>) =>
  message.blocks.flatMap((b) => (b.type === 'actions' ? (b.elements as unknown as Button[]) : []));
const approveOf = (message: ReturnType<typeof approvalMessage>) => buttonsOf(message).find((b) => b.action_id === 'approve_request')!;

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

  test('names who may approve, users and groups, and how many approvals are given of those needed', () => {
    const approval = [{ userId: 'UMGR1', kind: 'APPROVE', comment: null, createdAt: new Date() }] as DecisionRecord[];
    const message = approvalMessage(request({ approvalsRequired: 2 }), approval, resource, level, context());
    expect(text(message)).toContain('*Who may approve*\\n<@UMGR1>, <@UMGR2>, <!subteam^SDBAS>');
    expect(text(message)).toContain('*Approvals*\\n1 of 2 given');
  });

  test('while pending, shows who holds the level now and what it allows, read from the target', () => {
    const message = approvalMessage(request(), [], resource, level, context());
    expect(text(message)).toContain('*Already holding it*\\n`bob`, `carol`');
    expect(text(message)).toContain('*What read-only allows*\\nSELECT on 14 tables in `public`');
    expect(text(approvalMessage(request(), [], resource, level, context({ holders: { identities: [], total: 0 } })))).toContain(
      '*Already holding it*\\nnobody',
    );
  });

  test('says when the target could not be read, and says nothing when its provider cannot tell', () => {
    expect(text(approvalMessage(request(), [], resource, level, context({ allows: 'unreadable' })))).toContain(
      '*What read-only allows*\\n_Could not read what this level allows._',
    );
    expect(text(approvalMessage(request(), [], resource, level, context({ allows: 'not described' })))).not.toContain('allows');
    expect(text(approvalMessage(request({ status: 'DENIED' }), [], resource, level))).not.toMatch(/allows|holding/);
  });

  test('a summary from the target is shown as text, never as markup or a mention, and cut to length', () => {
    const message = approvalMessage(request(), [], resource, level, context({ allows: { summary: `<!channel> ${'&'.repeat(2000)}` } }));
    expect(text(message)).toContain('&lt;!channel&gt;');
    expect(validateMessageBlocks(message.blocks)).toBeNull();
  });

  test('long lists of approvers and holders are cut with how many more, within Block Kit limits', () => {
    const many = Array.from({ length: 400 }, (_, i) => `U${String(i).padStart(8, '0')}`);
    const crowded = { ...level, approvers: { users: many, groups: ['SDBAS'] } };
    const holders = { identities: Array.from({ length: 5 }, (_, i) => `${'h'.repeat(600)}${i}`), total: 250 };
    const message = approvalMessage(request(), [], resource, crowded, context({ holders }));
    expect(validateMessageBlocks(message.blocks)).toBeNull();
    expect(text(message)).toContain('<@U00000009> and 391 more');
    // Each identity cut to a length of its own, the rest counted.
    expect(text(message)).toMatch(/`h{199}…` and 245 more/);
    const longIds = { ...level, approvers: { users: Array.from({ length: 12 }, (_, i) => `U${String(i).repeat(400)}`), groups: [] } };
    const cut = approvalMessage(request(), [], resource, longIds, context());
    expect(validateMessageBlocks(cut.blocks)).toBeNull();
    expect(text(cut)).toMatch(/, <@U3{400}> and 8 more"/);
  });

  test('Approve asks for confirmation on a level that writes, saying what it gives to whom, within the dialog limits', () => {
    expect(approveOf(approvalMessage(request(), [], resource, level, context())).confirm).toBeUndefined();
    const message = approvalMessage(request({ level: 'write' }), [], resource, writeLevel, context());
    expect(approveOf(message).confirm).toMatchObject({
      title: { text: 'Approve write on orders-db?' },
      text: { text: expect.stringMatching(/^alice gets write on orders-db for 10m\./) },
    });
    expect(validateMessageBlocks(message.blocks)).toBeNull();
    const long = approvalMessage(
      request({ targetIdentity: 'a'.repeat(300) }),
      [],
      { ...resource, id: 'r'.repeat(63) },
      { ...writeLevel, id: 'w'.repeat(63) },
    );
    expect(validateMessageBlocks(long.blocks)).toBeNull();
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

describe('a grant the system ended early', () => {
  const ended = { status: 'REVOKED', endedBy: 'system', endedAt: new Date('2026-12-01T10:30:00Z') } as const;

  test('the approval message says prod-access revoked it, and why', () => {
    const status = statusLine(request({ ...ended, endReason: 'idle for 30m' }), []);
    expect(status).toMatch(/^:lock: Revoked early by prod-access \(idle for 30m\) at <!date\^/);
  });

  test('a person who revoked it is still named', () => {
    expect(statusLine(request({ ...ended, endedBy: 'UMGR1', endReason: null }), [])).toMatch(/^:lock: Revoked early by <@UMGR1> at /);
  });

  test("the requester's DM gives the reason", () => {
    const dm = requesterNotice('revoked', request({ ...ended, endReason: 'its session closed' }), resource, []);
    expect(dm).toBe(':lock: Your access #42 (read-only on Orders &amp; &lt;Co&gt;) was revoked by prod-access: its session closed.');
  });
});
