import type { SlackMessage, SlackView } from '../../devkit/slack-standin/server';
import { blockActionsPayload, sendInteraction, type ViewStateValues } from '../../devkit/slack-standin/signed-request';
import { STANDIN_APP, STANDIN_TEAM } from '../../devkit/slack-standin/identity';
import { EXTEND_FIELDS, EXTEND_MODAL } from '../../src/slack/render/extend-modal';
import { END_GRANT_ACTION, EXTEND_GRANT_ACTION } from '../../src/slack/render/grant-buttons';
import { guarantee } from '../support/guarantees';
import { grantAccess, type Harness, pause, SIGNING_SECRET, useHarness, waitUntil } from '../support/harness';

/**
 * The DM before a grant ends, with Extend and I'm done. The harness's read-only level warns 10 minutes
 * before the end, or a fifth of the duration before it for a short grant: these grants are short.
 */

type Button = { action_id: string; value: string };
type ActionsBlock = { type: 'actions'; block_id: string; elements: Button[] };

const warningPrefix = (id: number) => `:hourglass_flowing_sand: Your access #${id} `;

/** The warnings of a grant in its requester's DM so far. */
const warningsOf = (h: Harness, id: number) => h.slack.messages(h.users.dev).filter((m) => m.text.startsWith(warningPrefix(id)));

/** Waits for a grant's warning in its requester's DM. */
function waitForWarning(h: Harness, id: number, timeoutMs = 60_000): Promise<SlackMessage> {
  return waitUntil(
    () => warningsOf(h, id)[0],
    timeoutMs,
    () => `the expiry warning of #${id}; the DM has:\n${h.texts(h.users.dev).join('\n')}`,
  );
}

/** The warning's buttons block, as the app posted it. */
function buttonsOf(message: SlackMessage): ActionsBlock {
  const block = (message.blocks as { type: string }[] | undefined)?.find((b) => b.type === 'actions');
  if (!block) throw new Error(`no buttons in: ${message.text}`);
  return block as ActionsBlock;
}

/**
 * Clicks a button of the warning in the requester's DM, as Slack sends it: a message container with a
 * response_url (named `replyName`) and a trigger_id the stand-in issued.
 */
async function clickInDm(h: Harness, userId: string, message: SlackMessage, actionId: string, replyName: string) {
  const block = buttonsOf(message);
  const button = block.elements.find((b) => b.action_id === actionId)!;
  const posted = h.apiCalls('chat.postMessage').find((c) => c.response.ts === message.ts)!;
  const payload = blockActionsPayload({
    user: userId,
    actionId,
    value: button.value,
    blockId: block.block_id,
    channel: String(posted.response.channel),
    messageTs: message.ts,
    message: { ...message },
    triggerId: h.slack.triggerFor(userId),
    responseUrl: h.slack.responseUrl(replyName),
  });
  return expectOk(await sendInteraction(h.endpoint, SIGNING_SECRET, payload));
}

/** Clicks the same button on App Home, as Slack sends it: a view container, and no response_url. */
async function clickInHome(h: Harness, userId: string, actionId: string, requestId: number) {
  const viewId = 'V0HOMETAB1';
  const payload = {
    type: 'block_actions',
    user: { id: userId, username: userId, name: userId, team_id: STANDIN_TEAM.id },
    api_app_id: STANDIN_APP.appId,
    token: STANDIN_APP.verificationToken,
    container: { type: 'view', view_id: viewId },
    trigger_id: h.slack.triggerFor(userId),
    team: { id: STANDIN_TEAM.id, domain: STANDIN_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    view: { id: viewId, team_id: STANDIN_TEAM.id, type: 'home', blocks: [], private_metadata: '', callback_id: '', state: { values: {} } },
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: `grant_${requestId}`,
        value: String(requestId),
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return expectOk(await sendInteraction(h.endpoint, SIGNING_SECRET, payload));
}

function expectOk(reply: { status: number; body: string }) {
  if (reply.status !== 200) throw new Error(`the click was answered ${reply.status}: ${reply.body}`);
  return reply;
}

/** The modal a click opened, once the app has filled it in (views.update after views.open). */
async function modalAfter(h: Harness, since: number): Promise<SlackView> {
  const opened = await h.slack.waitFor('views.open', 10_000, since);
  expect(opened.response.ok).toBe(true);
  const updated = await h.slack.waitFor('views.update', 10_000, since);
  expect(updated.response.ok).toBe(true);
  return updated.response.view as SlackView;
}

const textInput = (value: string) => ({ value: { type: 'plain_text_input', value } });

describe('the warning before access ends', () => {
  const h = useHarness({ reconcileIntervalSeconds: 1 });

  // A second worker besides the one in this process: both, and the reconciler every second, see every warning due.
  beforeAll(async () => {
    await h.spawn('worker');
  }, 120_000);

  describe(guarantee(6), () => {
    test('a warning goes once, with two workers and the reconciler running, and says what ends when', async () => {
      const id = await grantAccess(h, { duration: '20s', reason: 'warned once' });
      const warning = await waitForWarning(h, id);
      expect(warning.text).toContain('(read-only on Orders database) ends <!date^');
      expect(buttonsOf(warning).elements.map((b) => [b.action_id, b.value])).toEqual([
        [EXTEND_GRANT_ACTION, String(id)],
        [END_GRANT_ACTION, String(id)],
      ]);
      await h.waitForStatus(id, 'EXPIRED', 30_000);
      await pause(2000);
      expect(warningsOf(h, id)).toHaveLength(1);
      expect((await h.auditActions(id)).filter((a) => a === 'expiry_warned')).toEqual(['expiry_warned']);
    });
  });

  describe(guarantee(1), () => {
    test('a warning whose schedule Redis lost is sent all the same, from the database', async () => {
      const id = await grantAccess(h, { duration: '20s', reason: 'warned after a flush' });
      await h.redis.clear();
      await waitForWarning(h, id);
      await h.waitForStatus(id, 'EXPIRED', 30_000);
      expect(warningsOf(h, id)).toHaveLength(1);
    });
  });

  describe(guarantee(8), () => {
    test('no warning goes for a grant given back early', async () => {
      const id = await grantAccess(h, { duration: '10s', reason: 'given back' });
      expect(await h.ask(h.users.dev, `revoke ${id}`)).toMatch(/Revoking/);
      await h.waitForStatus(id, 'REVOKED');
      // Past the time it was due (8 s into the grant) and its end, with the reconciler running every second.
      await pause(12_000);
      expect(warningsOf(h, id)).toEqual([]);
      expect(await h.auditActions(id)).not.toContain('expiry_warned');
    });

    test('from the warning: others are refused, Extend opens the prefilled modal whose submit asks for the extension, I’m done revokes', async () => {
      // Warned 9 s before its end: time enough for every click below.
      const id = await grantAccess(h, { duration: '45s', reason: 'extend from the warning' });
      const warning = await waitForWarning(h, id);

      // Someone else, from their App Home (no response_url): refused by DM, and the modal says why.
      await clickInHome(h, h.users.outsider, END_GRANT_ACTION, id);
      await h.waitForText(h.users.outsider, 'Only the requester or an approver of this access can revoke it');
      const since = h.slack.calls.length;
      await clickInHome(h, h.users.outsider, EXTEND_GRANT_ACTION, id);
      const refused = await modalAfter(h, since);
      expect(refused.submit).toBeNull();
      expect(JSON.stringify(refused.blocks)).toContain(`Only the requester of #${id} can extend it`);
      expect(await h.statusOf(id)).toBe('ACTIVE');

      // The requester, from the warning: the modal opens filled in with the level's default duration.
      const before = h.slack.calls.length;
      await clickInDm(h, h.users.dev, warning, EXTEND_GRANT_ACTION, 'extend-dm');
      const modal = await modalAfter(h, before);
      expect(modal.callback_id).toBe(EXTEND_MODAL);
      const duration = (modal.blocks as { block_id?: string; element?: { initial_value?: string } }[]).find(
        (b) => b.block_id === EXTEND_FIELDS.duration,
      );
      expect(duration?.element?.initial_value).toBe('10m');

      // A duration the level does not allow is a field error, and nothing is asked for.
      const values = (time: string): ViewStateValues => ({
        [EXTEND_FIELDS.duration]: textInput(time),
        [EXTEND_FIELDS.reason]: textInput('the backfill needs longer'),
      });
      const tooLong = await h.submitView(h.users.dev, EXTEND_MODAL, values('2h'), modal.private_metadata);
      expect(tooLong.json).toEqual({
        response_action: 'errors',
        errors: { [EXTEND_FIELDS.duration]: expect.stringMatching(/at most 1h/) },
      });
      const submitted = await h.submitView(h.users.dev, EXTEND_MODAL, values('10m'), modal.private_metadata);
      expect(submitted.status).toBe(200);
      expect(await h.responseAt('extend-dm')).toMatch(new RegExp(`^Request #\\d+, extending #${id}, sent to the owners`));
      const [extension] = (await h.requestsOf(h.users.dev)).filter((r) => r.extendsRequestId === id);
      expect(extension).toMatchObject({ status: 'PENDING', durationSeconds: 600, reason: 'the backfill needs longer' });
      await h.waitForApprovalMessage(extension!.id, 'Waiting for approval');

      // I'm done, from the same warning: the early revoke of `/prod-access revoke`.
      await clickInDm(h, h.users.dev, warning, END_GRANT_ACTION, 'done-dm');
      expect(await h.responseAt('done-dm')).toBe(`Revoking #${id} now; you will get a message when the access is removed.`);
      await h.waitForStatus(id, 'REVOKED');
      expect(await h.target.developerCanRead()).toBe(false);
      expect(await h.auditActions(id)).toEqual(expect.arrayContaining(['expiry_warned', 'revoke_requested', 'revoked']));
    });
  });
});
