import type { AccessLevel, Resource } from '../../../../src/domain/catalog';
import type { AccessRequestRecord } from '../../../../src/domain/request';
import { approvalMessage, REVIEW_ACTION } from '../../../../src/slack/render/approval-message';
import { reviewEscalation } from '../../../../src/slack/render/notices';
import { validateMessageBlocks } from '../../../../devkit/slack-standin/block-kit-limits';

const breakGlass = { maxDurationSeconds: 1800, reviewers: { users: ['UMGR1'], groups: ['SREVIEW'] }, reviewWithinSeconds: 900 };
const resource = { id: 'orders-db', name: 'Orders & <Co>' } as Resource;
const level = { id: 'write', breakGlass } as AccessLevel;
const glass = (changes: Partial<AccessRequestRecord> = {}): AccessRequestRecord =>
  ({
    id: 42,
    requesterId: 'UDEV',
    resourceId: 'orders-db',
    level: 'write',
    targetIdentity: 'alice',
    durationSeconds: 600,
    reason: 'INC-7 <!channel> orders failing',
    ticketUrl: null,
    status: 'ACTIVE',
    expiresAt: new Date('2026-12-01T10:10:00Z'),
    approvalsRequired: 0,
    extendsRequestId: null,
    breakGlass: true,
    reviewDueAt: new Date('2026-12-01T10:15:00Z'),
    reviewedBy: null,
    reviewedAt: null,
    reviewComment: null,
    reviewEscalatedAt: null,
    ...changes,
  }) as AccessRequestRecord;
const blocks = (request: AccessRequestRecord) => JSON.stringify(approvalMessage(request, [], resource, level).blocks);

describe('the break-glass message', () => {
  test('is loud: @here and the reviewers mentioned, says no approver was asked, and offers Reviewed, never Approve', () => {
    const message = approvalMessage(glass(), [], resource, level);
    expect(message.text).toMatch(/^Access request #42: BREAK-GLASS write/);
    expect(message.text).toContain('<!here> <!subteam^SREVIEW> <@UMGR1>');
    expect(blocks(glass())).toContain('without an approver');
    expect(blocks(glass())).toContain(`"action_id":"${REVIEW_ACTION}"`);
    expect(blocks(glass())).not.toContain('approve_request');
    // The requester's reason is shown as written: it mentions nobody.
    expect(blocks(glass())).toContain('INC-7 &lt;!channel&gt; orders failing');
    expect(validateMessageBlocks(message.blocks)).toBeNull();
  });

  test('once reviewed, says by whom with the comment, and the button is gone', () => {
    const reviewed = glass({ reviewedBy: 'UMGR1', reviewedAt: new Date('2026-12-01T10:05:00Z'), reviewComment: '&'.repeat(1000) });
    expect(blocks(reviewed)).toContain('Reviewed by <@UMGR1>');
    expect(blocks(reviewed)).not.toContain(REVIEW_ACTION);
    expect(validateMessageBlocks(approvalMessage(reviewed, [], resource, level).blocks)).toBeNull();
  });

  test('escalated, says so, and can still be reviewed', () => {
    const escalated = glass({ reviewEscalatedAt: new Date('2026-12-01T10:15:01Z') });
    expect(blocks(escalated)).toContain('escalated');
    expect(blocks(escalated)).toContain(REVIEW_ACTION);
  });

  test('the escalation post calls on @here and every reviewer', () => {
    expect(reviewEscalation(glass(), resource, breakGlass)).toMatch(
      /^:rotating_light: <!here> <!subteam\^SREVIEW> <@UMGR1> Break-glass #42 \(write on Orders &amp; &lt;Co&gt;, taken by <@UDEV> without an approver\) was not reviewed/,
    );
  });
});
