import type { RequestFacts } from '../../../../src/app/ports';
import type { AccessLevel, Resource } from '../../../../src/domain/catalog';
import type { AccessRequestRecord, DecisionRecord } from '../../../../src/domain/request';
import { escalationText, reminderText } from '../../../../src/slack/render/reminders';

const resource = { id: 'orders-db', name: 'Orders & <Co>', ownersChannel: 'CORDERS' } as Resource;
const level = { id: 'write', approvers: { users: ['UDEV', 'UMGR1', 'UMGR2'], groups: ['SDBAS'] } } as AccessLevel;
const request = {
  id: 42,
  requesterId: 'UDEV',
  level: 'write',
  approvalsRequired: 2,
  pendingExpiresAt: new Date('2026-12-01T10:00:00Z'),
} as AccessRequestRecord;
const approvedBy = (userId: string): DecisionRecord => ({ userId, kind: 'APPROVE', comment: null, createdAt: new Date() });
const facts = (decisions: DecisionRecord[] = []): RequestFacts => ({ request, decisions, resource, level });

describe('the reminder in the thread', () => {
  test('mentions the approvers who may still approve, the groups, and how many approvals are missing', () => {
    const text = reminderText(facts([approvedBy('UMGR1')]), 900);
    // Neither the requester (who never approves) nor who already approved is asked again.
    expect(text).toMatch(/^:bell: <@UMGR2> <!subteam\^SDBAS> #42 \(write on Orders &amp; &lt;Co&gt; for <@UDEV>\) has waited 15m/);
    expect(text).toContain('needs 1 more approval: Approve or Deny above');
    expect(text).toContain('It times out at <!date^1796119200^');
    expect(text).not.toContain('<@UMGR1>');
  });

  test('counts every approval still missing', () => {
    expect(reminderText(facts(), 900)).toContain('<@UMGR1> <@UMGR2> <!subteam^SDBAS> #42');
    expect(reminderText(facts(), 900)).toContain('needs 2 more approvals');
  });
});

describe('the escalation', () => {
  test('mentions the escalation group and links to the approval message', () => {
    const text = escalationText(
      facts(),
      { afterSeconds: 2700, channel: 'CONCALL', group: 'SONCALL' },
      'https://slack.example/archives/CORDERS/p1',
    );
    expect(text).toMatch(
      /^:rotating_light: <!subteam\^SONCALL> Nobody has decided #42 \(write on Orders &amp; &lt;Co&gt; for <@UDEV>\) for 45m/,
    );
    expect(text).toContain('it needs 2 more approvals and times out at <!date^1796119200^');
    expect(text).toContain('Approve or Deny in <https://slack.example/archives/CORDERS/p1|the approval message>.');
  });

  test('without a group mentions nobody, and without a link still says where to decide', () => {
    const text = escalationText(facts(), { afterSeconds: 2700, channel: 'CONCALL', group: null }, null);
    expect(text).toMatch(/^:rotating_light: Nobody has decided/);
    expect(text).toContain('Approve or Deny in the approval message.');
  });
});
