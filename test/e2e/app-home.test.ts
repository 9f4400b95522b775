import { randomBytes } from 'node:crypto';
import { HOME_SHOWN, MAX_HOME_BLOCKS, OPEN_REQUEST_MODAL_ACTION } from '../../src/slack/render/app-home';
import { APPROVE_ACTION, DENY_ACTION } from '../../src/slack/render/approval-message';
import { DENY_MODAL } from '../../src/slack/render/deny-modal';
import { REQUEST_MODAL } from '../../src/slack/render/request-modal';
import type { SlackView } from '../../devkit/slack-standin/server';
import { sendEvent, urlVerificationPayload } from '../../devkit/slack-standin/signed-request';
import { grantAccess, type Harness, pause, requestAccess, SIGNING_SECRET, useHarness, waitUntil } from '../support/harness';

/**
 * App Home through signed requests, as Slack sends them: the app_home_opened event publishes each
 * person's home; its Approve and Deny are the approval message's, under the same rules and audit; it is
 * re-published when something it shows changes.
 */

/** Opens the Home tab and waits for the home the app published for it. */
async function openHome(h: Harness, userId: string, contains: string): Promise<string> {
  expect((await h.openHome(userId)).status).toBe(200);
  return h.waitForHome(userId, contains);
}

const approveInHome = (h: Harness, userId: string, requestId: number) =>
  h.clickInHome(userId, { action: APPROVE_ACTION, value: String(requestId), blockId: `decide_${requestId}` });

const blockIds = (view: SlackView | undefined) => ((view?.blocks ?? []) as { block_id?: string }[]).map((b) => b.block_id);

describe('App Home', () => {
  const h = useHarness();

  test('the Events API request URL answers Slack’s url_verification with its challenge, and only when signed', async () => {
    const challenge = randomBytes(16).toString('hex');
    const answer = await sendEvent(h.endpoint, SIGNING_SECRET, urlVerificationPayload(challenge));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(challenge);
    const forged = await sendEvent(h.endpoint, 'not-the-signing-secret', urlVerificationPayload(challenge));
    expect(forged.status).toBe(401);
  });

  test('the Messages tab sends app_home_opened too, and publishes nothing', async () => {
    const publishes = () => h.apiCalls('views.publish').filter((c) => c.args.user_id === h.users.outsider).length;
    expect((await h.openHome(h.users.outsider, 'messages')).status).toBe(200);
    await pause(500);
    expect(publishes()).toBe(0);
    await openHome(h, h.users.outsider, 'Request access');
    expect(publishes()).toBe(1);
  });

  test('the requester sees their pending request; an approver sees it waiting with Approve and Deny; others do not', async () => {
    const id = await requestAccess(h, { reason: 'home for the requester' });

    const mine = await openHome(h, h.users.dev, `#${id}`);
    expect(mine).toContain('Your requests in progress');
    expect(mine).toContain('Waiting for approval');
    // The requester is in the approver group, and still never sees their own request as one to decide.
    expect(blockIds(h.slack.homeView(h.users.dev))).not.toContain(`decide_${id}`);

    const approver = await openHome(h, h.users.manager1, `#${id}`);
    expect(approver).toContain('Waiting for your decision');
    expect(approver).toContain('home for the requester');
    expect(blockIds(h.slack.homeView(h.users.manager1))).toContain(`decide_${id}`);

    const outsider = await openHome(h, h.users.outsider, 'Request access');
    expect(outsider).not.toContain(`#${id}`);
    expect(outsider).not.toContain('Waiting for your decision');
  });

  test('Approve in App Home is the channel button: same rules, the channel message updated, audited, the homes re-published', async () => {
    const id = await requestAccess(h, { reason: 'approve me from home' });
    await openHome(h, h.users.manager1, `#${id}`);
    await openHome(h, h.users.dev, `#${id}`);

    expect((await approveInHome(h, h.users.manager1, id)).status).toBe(200);
    // A click in App Home has no response_url: the clicker is told by DM.
    await h.waitForText(h.users.manager1, `You approved #${id}`);
    await h.waitForApprovalMessage(id, 'active until');
    const approval = await h.db.auditEvent.findFirstOrThrow({ where: { requestId: id, action: 'approval_recorded' } });
    expect(approval.actor).toBe(h.users.manager1);
    expect(await h.auditActions(id)).toEqual(['requested', 'approval_recorded', 'approved', 'granted']);

    // Re-published by the change, without opening the tab again.
    await h.waitForHome(h.users.manager1, `#${id}`, { absent: true });
    await h.waitForHome(h.users.dev, 'left.');
    expect(blockIds(h.slack.homeView(h.users.dev))).toContain(`grant_${id}`);
  });

  test('only approvers approve from App Home: the requester and an outsider are refused clearly, and nothing changes', async () => {
    const id = await requestAccess(h, { reason: 'forged home clicks' });
    await openHome(h, h.users.outsider, 'Request access');
    await openHome(h, h.users.dev, `#${id}`);

    // Neither home shows an Approve for it: these clicks are forged, as anyone can post a payload.
    expect((await approveInHome(h, h.users.outsider, id)).status).toBe(200);
    await h.waitForText(h.users.outsider, 'You are not an approver for this access level (read-only)');
    expect((await approveInHome(h, h.users.dev, id)).status).toBe(200);
    await h.waitForText(h.users.dev, 'You cannot approve or deny your own request');

    expect(await h.statusOf(id)).toBe('PENDING');
    expect(await h.db.decision.count({ where: { requestId: id } })).toBe(0);
    expect(await h.auditActions(id)).toEqual(['requested', 'refused', 'refused']);
    expect(h.approvalMessage(id)?.text).toContain('Waiting for approval');
  });

  test('Deny in App Home opens the Deny modal; its outcome goes by DM', async () => {
    const id = await requestAccess(h, { reason: 'deny me from home' });
    await openHome(h, h.users.manager1, `#${id}`);
    const since = h.slack.calls.length;
    await h.clickInHome(h.users.manager1, { action: DENY_ACTION, value: String(id), blockId: `decide_${id}` });
    const modal = (await h.slack.waitFor('views.open', 5000, since)).response.view as SlackView;
    expect(modal.callback_id).toBe(DENY_MODAL);
    expect(JSON.parse(modal.private_metadata)).toEqual({ requestId: id });

    expect((await h.submitDeny(h.users.manager1, 'not from home', modal.private_metadata)).status).toBe(200);
    await h.waitForText(h.users.manager1, `You denied #${id}`);
    await h.waitForApprovalMessage(id, 'Denied by');
    await h.waitForHome(h.users.manager1, `#${id}`, { absent: true });
  });

  test('Request access opens the request modal, as a bare /prod-access does', async () => {
    await openHome(h, h.users.dev, 'Request access');
    const since = h.slack.calls.length;
    await h.clickInHome(h.users.dev, { action: OPEN_REQUEST_MODAL_ACTION, blockId: 'home_intro' });
    const modal = (await h.slack.waitFor('views.open', 5000, since)).response.view as SlackView;
    expect(modal.callback_id).toBe(REQUEST_MODAL);

    const form = { resource: h.resourceId, level: 'read-only', reason: 'asked from App Home' };
    expect((await h.submitRequest(h.users.dev, form, modal.private_metadata)).status).toBe(200);
    const sent = await h.waitForText(h.users.dev, 'sent to the owners for approval');
    const id = Number(/#(\d+)/.exec(sent)![1]);
    await h.waitForApprovalMessage(id, 'Waiting for approval');
    await h.waitForHome(h.users.dev, `#${id}`);
  });

  test('a live grant shows with its time left and the buttons I’m done and Extend', async () => {
    const id = await grantAccess(h, { reason: 'a grant in the home' });
    expect((await h.openHome(h.users.dev)).status).toBe(200);
    type Block = { block_id?: string; text?: { text: string }; elements?: { text: { text: string } }[] };
    const blocks = await waitUntil(
      () => {
        const shown = h.slack.homeView(h.users.dev)?.blocks as Block[] | undefined;
        return shown?.some((b) => b.block_id === `grant_${id}`) ? shown : undefined;
      },
      15_000,
      () => `the grant #${id} in the App Home: ${h.homeText(h.users.dev)}`,
    );
    const index = blocks.findIndex((b) => b.block_id === `grant_${id}`);
    expect(blocks[index - 1]?.text?.text).toMatch(new RegExp(`^\\*#${id}\\* read-only .*\\nEnds .*, 10m left\\.$`));
    expect(blocks[index]?.elements?.map((e) => e.text.text)).toEqual(['Extend', "I'm done"]);
    expect(h.homeText(h.users.dev)).toContain('Your access now');
  });
});

describe('App Home with more than fits', () => {
  const h = useHarness();

  test('more requests waiting than a home shows: "and N more", within Slack’s 100 blocks', async () => {
    const extra = 7;
    const waiting = HOME_SHOWN.awaiting + extra;
    await h.db.accessRequest.createMany({
      data: Array.from({ length: waiting }, (_, i) => ({
        requesterId: h.users.dev,
        resourceId: h.resourceId,
        level: 'read-only',
        targetIdentity: h.target.roles.login,
        durationSeconds: 600,
        reason: `waiting request ${i}`,
        approvalsRequired: 1,
        pendingExpiresAt: new Date(Date.now() + 3600_000),
      })),
    });
    const home = await openHome(h, h.users.manager1, `and ${extra} more waiting`);
    const view = h.slack.homeView(h.users.manager1)!;
    expect((view.blocks as unknown[]).length).toBeLessThanOrEqual(MAX_HOME_BLOCKS);
    expect(blockIds(view).filter((id) => id?.startsWith('decide_'))).toHaveLength(HOME_SHOWN.awaiting);
    // Oldest first: the first ones asked wait longest.
    expect(home).toContain('waiting request 0');
    expect(home).not.toContain(`waiting request ${waiting - 1}`);
  });
});
