import { APPROVE_ACTION } from '../../src/slack/render/approval-message';
import { guarantee } from '../support/guarantees';
import { APPROVER_GROUP, grantAccess, type Harness, requestAccess, useHarness } from '../support/harness';
import { UNREACHABLE_TARGET_URL } from '../support/harness/targets';

type Button = { action_id: string; confirm?: Record<string, { text: string } | string> };

/** The Approve button of a request's approval message as it stands in the owners' channel now. */
function approveButton(h: Harness, requestId: number): Button | undefined {
  const blocks = (h.approvalMessage(requestId)?.blocks ?? []) as { type: string; elements?: Button[] }[];
  return blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : [])).find((e) => e.action_id === APPROVE_ACTION);
}

const blocksOf = (h: Harness, requestId: number) => JSON.stringify(h.approvalMessage(requestId)?.blocks);

describe(guarantee(17), () => {
  const h = useHarness({
    env: { BROKEN_TARGET_ADMIN_URL: UNREACHABLE_TARGET_URL },
    resources: ({ target, users }) => [
      {
        id: 'broken-db',
        name: 'A database that does not answer',
        ownersChannel: 'C0OWNERS01',
        provider: { kind: 'postgres', mode: 'grant-role', connectionEnv: 'BROKEN_TARGET_ADMIN_URL' },
        levels: [{ id: 'read-only', target: { role: target.roles.read }, maxDuration: '1h', approvers: { users: [users.manager1] } }],
      },
    ],
  });

  test('the approval message names the approvers, the approvals given, who holds the level now and what it allows in the target', async () => {
    const { manager1, outsider } = h.users;
    await grantAccess(h, { reason: 'already reading' });

    const id = await requestAccess(h, { requester: outsider, reason: 'wants to read too' });
    const blocks = blocksOf(h, id);
    expect(blocks).toContain(`*Who may approve*\\n<@${manager1}>, <!subteam^${APPROVER_GROUP}>`);
    expect(blocks).toContain('*Approvals*\\n0 of 1 given');
    // The developer's live grant, by the identity that holds it in the target.
    expect(blocks).toContain(`*Already holding it*\\n\`${h.target.roles.login}\``);
    // Read from the target's catalogs: the read role's one grant.
    expect(blocks).toContain('*What read-only allows*\\nSELECT on 1 table in `public`.');
    // A read level's Approve needs no confirmation.
    expect(approveButton(h, id)).toBeDefined();
    expect(approveButton(h, id)!.confirm).toBeUndefined();
  });

  test("a write level's Approve asks for confirmation, and the message counts each approval as it comes", async () => {
    const { manager1, manager2 } = h.users;
    const id = await requestAccess(h, { level: 'write', duration: '20m', reason: 'fix an order' });
    expect(blocksOf(h, id)).toContain('*What write allows*\\nSELECT, INSERT, UPDATE, DELETE on 1 table in `public`.');
    expect(blocksOf(h, id)).toContain('*Already holding it*\\nnobody');
    expect(approveButton(h, id)!.confirm).toMatchObject({
      title: { type: 'plain_text', text: `Approve write on ${h.resourceId}?` },
      text: { type: 'plain_text', text: expect.stringContaining(`${h.target.roles.login} gets write on ${h.resourceId} for 20m.`) },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Not yet' },
      style: 'danger',
    });

    expect(await h.clickAndReply(manager1, id)).toContain('is recorded (1 of 2)');
    await h.waitForApprovalMessage(id, 'waiting for 1 more');
    expect(blocksOf(h, id)).toContain('*Approvals*\\n1 of 2 given');
    expect(approveButton(h, id)!.confirm).toBeDefined();

    expect(await h.clickAndReply(manager2, id)).toContain(`You approved #${id}`);
    await h.waitForApprovalMessage(id, 'active until');
    expect(blocksOf(h, id)).toContain('*Approvals*\\n2 of 2 given');
    expect(approveButton(h, id)).toBeUndefined();
  });

  test('a target that cannot be read leaves the message as it is, saying so', async () => {
    const id = await requestAccess(h, { resource: 'broken-db', reason: 'the target is down' });
    expect(blocksOf(h, id)).toContain('*What read-only allows*\\n_Could not read what this level allows._');
    expect(blocksOf(h, id)).toContain('*Who may approve*');
  });
});
