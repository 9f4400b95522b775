import type { SlackView } from '../../devkit/slack-standin/server';
import { REVIEW_ACTION } from '../../src/slack/render/approval-message';
import { REVIEW_COMMENT_FIELD, REVIEW_MODAL } from '../../src/slack/render/review-modal';
import { guarantee } from '../support/guarantees';
import { APPROVER_GROUP, CHANNELS, type Harness, pause, requestIdIn, useHarness, waitUntil } from '../support/harness';

/**
 * Break-glass through the app's real endpoint with Slack-signed requests: access at once without an
 * approver, only where the catalog allows it, loud in the owners' and the audit channels, reviewed
 * afterwards by a reviewer who is not the requester, and escalated once when nobody reviews it in time.
 */

const GLASS = 'orders-glass';

/** A resource on the harness's target whose read-only level allows break-glass (to the developer alone); write does not. */
function glassResource(reviewWithin: string) {
  return ({ adminEnvName, target, users }: Harness) => [
    {
      id: GLASS,
      name: 'Orders (break-glass)',
      ownersChannel: CHANNELS.owners,
      provider: { kind: 'postgres', mode: 'grant-role', connectionEnv: adminEnvName },
      levels: [
        {
          id: 'read-only',
          target: { role: target.roles.read },
          maxDuration: '1h',
          approvals: 1,
          approvers: { users: [users.manager1] },
          requesters: { users: [users.dev] },
          // The developer is in the approver group too: they still never review their own break-glass.
          breakGlass: { maxDuration: '20m', reviewers: { users: [users.manager1], groups: [APPROVER_GROUP] }, reviewWithin },
        },
        {
          id: 'write',
          target: { role: target.roles.write },
          maxDuration: '30m',
          approvals: 2,
          approvers: { users: [users.manager1, users.manager2] },
        },
      ],
    },
  ];
}

/** The developer breaks the glass on read-only; waits until the grant is active, as its message says; returns its id. */
async function breakGlass(h: Harness, reason = 'INC-7 orders are failing'): Promise<number> {
  const reply = await h.ask(h.users.dev, `break-glass ${GLASS} read-only 5m ${reason}`);
  expect(reply).toMatch(/^:rotating_light: Break-glass #\d+: access is being granted now, without an approver/);
  const id = requestIdIn(reply);
  await h.waitForApprovalMessage(id, 'Break-glass: active until');
  return id;
}

/** Clicks Reviewed on a break-glass message and returns the modal it opened; the outcome goes to `replyName`. */
async function openReview(h: Harness, userId: string, id: number, replyName: string): Promise<SlackView> {
  const since = h.slack.calls.length;
  expect((await h.click(userId, id, { action: REVIEW_ACTION, replyName })).status).toBe(200);
  const opened = await h.slack.waitFor('views.open', 10_000, since);
  const view = opened.response.view as SlackView;
  expect(view.callback_id).toBe(REVIEW_MODAL);
  return view;
}

const reviewComment = (comment: string) => ({ [REVIEW_COMMENT_FIELD]: { value: { type: 'plain_text_input', value: comment } } });

/** Nothing stored, nothing posted in the owners' channel, while `act` runs. */
async function expectNothingStored(h: Harness, act: () => Promise<void>): Promise<void> {
  const requests = await h.db.accessRequest.count();
  const posts = h.postsIn(CHANNELS.owners).length;
  await act();
  await pause(500);
  expect(await h.db.accessRequest.count()).toBe(requests);
  expect(h.postsIn(CHANNELS.owners)).toHaveLength(posts);
}

describe('break-glass', () => {
  const h = useHarness({ resources: glassResource('1h'), env: { BREAK_GLASS_RATE_LIMIT: '3' } });

  describe(guarantee(8), () => {
    test('granted at once without an approver, and loud: the owners’ channel (@here, the reviewers) and the audit channel', async () => {
      expect(await h.target.developerCanRead()).toBe(false);
      const id = await breakGlass(h, 'INC-7 orders are failing');
      expect(await h.target.developerCanRead()).toBe(true);
      await h.waitForText(h.users.dev, `Your access #${id} `);

      const message = h.approvalMessage(id)!;
      expect(message.text).toContain('BREAK-GLASS');
      expect(message.text).toContain('<!here>');
      expect(message.text).toContain(`<!subteam^${APPROVER_GROUP}>`);
      const blocks = JSON.stringify(message.blocks);
      expect(blocks).toContain('without an approver');
      expect(blocks).toContain('"Reviewed"');
      expect(blocks).not.toContain('"Approve"');

      const line = await h.waitForText(CHANNELS.audit, '*break glass*');
      expect(line).toContain(`#${id}`);
      expect(line).toContain('INC-7 orders are failing');
      await h.waitForText(CHANNELS.audit, '*granted*');
      expect(await h.auditActions(id)).toEqual(['break_glass', 'granted']);
      const row = await h.db.accessRequest.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({ breakGlass: true, status: 'ACTIVE', reviewedAt: null });
      expect(await h.db.decision.count({ where: { requestId: id } })).toBe(0);
    });

    test('refused on a level that does not allow it, with nothing stored and nothing granted', async () => {
      await expectNothingStored(h, async () => {
        expect(await h.ask(h.users.dev, `break-glass ${GLASS} write 5m hurry`)).toMatch(/write on orders-glass does not allow break-glass/);
        expect(await h.ask(h.users.dev, `break-glass ${h.resourceId} read-only 5m hurry`)).toMatch(/does not allow break-glass/);
      });
    });

    test('longer than its break-glass maximum is refused, even within the level’s own', async () => {
      await expectNothingStored(h, async () => {
        expect(await h.ask(h.users.dev, `break-glass ${GLASS} read-only 30m hurry`)).toMatch(
          /30m is longer than break-glass on read-only of orders-glass allows: at most 20m/,
        );
      });
    });

    test('only the level’s requesters may break the glass, and never without a reason', async () => {
      await expectNothingStored(h, async () => {
        expect(await h.ask(h.users.outsider, `break-glass ${GLASS} read-only 5m hurry`)).toMatch(/only its listed requesters may/);
        expect(await h.ask(h.users.dev, `break-glass ${GLASS} read-only 5m`)).toMatch(/a reason is required/);
      });
    });

    test('a reviewer reviews with a comment: recorded once, audited, and the message says who', async () => {
      const id = await breakGlass(h, 'reviewed later');
      const empty = await openReview(h, h.users.manager1, id, 'review-empty');
      const refused = await h.submitView(h.users.manager1, REVIEW_MODAL, reviewComment('  '), empty.private_metadata);
      expect(refused.json).toEqual({
        response_action: 'errors',
        errors: { [REVIEW_COMMENT_FIELD]: expect.stringMatching(/comment is required/) },
      });

      const view = await openReview(h, h.users.manager1, id, 'review-ok');
      expect(
        (await h.submitView(h.users.manager1, REVIEW_MODAL, reviewComment('checked the queries run'), view.private_metadata)).status,
      ).toBe(200);
      expect(await h.responseAt('review-ok')).toBe(`You reviewed break-glass #${id}; it is recorded in the audit log.`);
      await h.waitForApprovalMessage(id, `Reviewed by <@${h.users.manager1}>`);
      expect(h.approvalMessage(id)!.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
      const line = await h.waitForText(CHANNELS.audit, '*break glass reviewed*');
      expect(line).toContain('checked the queries run');

      // A second reviewer (through the group) finds it reviewed: nothing is recorded again.
      const again = await openReview(h, h.users.manager2, id, 'review-again');
      await h.submitView(h.users.manager2, REVIEW_MODAL, reviewComment('me too'), again.private_metadata);
      expect(await h.responseAt('review-again')).toMatch(/already reviewed by/);
      expect((await h.auditActions(id)).filter((a) => a === 'break_glass_reviewed')).toHaveLength(1);
      expect(await h.db.accessRequest.findUniqueOrThrow({ where: { id } })).toMatchObject({
        reviewedBy: h.users.manager1,
        reviewComment: 'checked the queries run',
      });
    });

    test('the requester cannot review their own break-glass grant, though in the reviewers’ group; nor can a non-reviewer', async () => {
      const id = await breakGlass(h, 'self review');
      const own = await openReview(h, h.users.dev, id, 'review-own');
      await h.submitView(h.users.dev, REVIEW_MODAL, reviewComment('all fine, trust me'), own.private_metadata);
      expect(await h.responseAt('review-own')).toMatch(/cannot review your own break-glass grant/);
      const outsider = await openReview(h, h.users.outsider, id, 'review-outsider');
      await h.submitView(h.users.outsider, REVIEW_MODAL, reviewComment('looks ok'), outsider.private_metadata);
      expect(await h.responseAt('review-outsider')).toMatch(/not a break-glass reviewer/);

      expect(await h.db.accessRequest.findUniqueOrThrow({ where: { id } })).toMatchObject({ reviewedAt: null, reviewedBy: null });
      expect(await h.auditActions(id)).toEqual(['break_glass', 'granted', 'refused', 'refused']);
      expect(JSON.stringify(h.approvalMessage(id)!.blocks)).toContain('"Reviewed"');
    });
  });

  describe(guarantee(11), () => {
    test('break-glass has its own, stricter rate limit per user; the one past it stores nothing', async () => {
      const taken = await h.db.accessRequest.count({ where: { requesterId: h.users.dev, breakGlass: true } });
      for (let i = taken; i < 3; i++) await breakGlass(h, `burst ${i}`);
      await expectNothingStored(h, async () => {
        expect(await h.ask(h.users.dev, `break-glass ${GLASS} read-only 5m one too many`)).toMatch(
          /You have made 3 break-glass grants in the last 1d; the limit is 3/,
        );
      });
      // An ordinary request is still counted under its own limit, so it goes on.
      expect(await h.ask(h.users.dev, `request ${GLASS} read-only 5m the usual way`)).toMatch(/sent to the owners for approval/);
    });
  });
});

describe('break-glass nobody reviews', () => {
  const h = useHarness({ resources: glassResource('3s'), reconcileIntervalSeconds: 1 });

  /** The escalation posts of a break-glass grant in the owners' channel. */
  const escalations = (id: number) => h.texts(CHANNELS.owners).filter((t) => t.includes(`Break-glass #${id} (`));

  async function waitForEscalation(id: number): Promise<string> {
    return waitUntil(
      () => escalations(id)[0],
      20_000,
      () => `the escalation of #${id} in the owners' channel; it has:\n${h.texts(CHANNELS.owners).join('\n')}`,
    );
  }

  describe(guarantee(1), () => {
    test('is escalated once after its review time: the owners’ channel with @here and the reviewers, the audit channel', async () => {
      const id = await breakGlass(h, 'nobody looks');
      const post = await waitForEscalation(id);
      expect(post).toContain('<!here>');
      expect(post).toContain(`<!subteam^${APPROVER_GROUP}>`);
      expect(post).toContain(`<@${h.users.manager1}>`);
      expect(post).toMatch(/was not reviewed/);
      await h.waitForText(CHANNELS.audit, '*break glass escalated*');
      await h.waitForApprovalMessage(id, 'escalated');

      // Further passes, and a Redis that forgot every job, change nothing: once is once.
      await pause(3000);
      await h.redis.clear();
      await pause(4000);
      expect(escalations(id)).toHaveLength(1);
      expect((await h.auditActions(id)).filter((a) => a === 'break_glass_escalated')).toHaveLength(1);
      // Still reviewable after the escalation; the message says so even when its update's job was lost.
      let failing = true;
      h.slack.failNext('chat.update', { error: 'internal_error' }, 1000, (args) => failing && args.channel === CHANNELS.owners);
      const view = await openReview(h, h.users.manager1, id, 'late-review');
      const since = h.slack.calls.length;
      await h.submitView(h.users.manager1, REVIEW_MODAL, reviewComment('late, but checked'), view.private_metadata);
      await h.slack.waitFor((c) => c.kind === 'api' && c.method === 'chat.update' && c.fault !== undefined, 15_000, since);
      await h.redis.clear();
      failing = false;
      await h.waitForApprovalMessage(id, 'Reviewed by', 20_000);
      expect(escalations(id)).toHaveLength(1);
    });

    test('is escalated even when Redis lost every job before its review time', async () => {
      const reply = await h.ask(h.users.dev, `break-glass ${GLASS} read-only 5m flushed at once`);
      const id = requestIdIn(reply);
      await h.redis.clear();
      await waitForEscalation(id);
      await h.waitForStatus(id, 'ACTIVE');
      await pause(3000);
      expect(escalations(id)).toHaveLength(1);
      expect((await h.auditActions(id)).filter((a) => a === 'break_glass_escalated')).toHaveLength(1);
    });
  });
});
