import { SHORTCUTS } from '../../src/slack/inbound/shortcuts';
import { REQUEST_FIELDS, REQUEST_MODAL } from '../../src/slack/render/request-modal';
import type { ApiCall, SlackView } from '../../devkit/slack-standin/server';
import { globalShortcutPayload, sendInteraction } from '../../devkit/slack-standin/signed-request';
import { guarantee } from '../support/guarantees';
import { CHANNELS, type Harness, pause, requestIdIn, SIGNING_SECRET, useHarness } from '../support/harness';

/** More ways in: the shortcuts menu, a message's More actions menu, and `/prod-access` in the DM with the app. */

type Block = { type: string; block_id?: string; element?: { initial_value?: string } };

const viewOf = (call: ApiCall) => call.response.view as SlackView;
const ticketBlock = (view: SlackView) => (view.blocks as Block[]).find((block) => block.block_id === REQUEST_FIELDS.ticket);
const readOnly = (h: Harness, reason: string, ticket?: string) => ({ resource: h.resourceId, level: 'read-only', reason, ticket });

/** A private channel the bot was never invited to. */
const PRIVATE_CHANNEL = 'C0PRIVATE7';

/** Slack calls of `method` from the `since`th call on. */
const callsSince = (h: Harness, method: string, since: number) =>
  h.slack.calls.slice(since).filter((call): call is ApiCall => call.kind === 'api' && call.method === method);

describe('more ways in: the shortcuts, and /prod-access in the DM with the app', () => {
  const h = useHarness();

  describe(guarantee(16), () => {
    test('the global shortcut opens the request form; its submit makes the request, and the outcome comes by DM', async () => {
      const since = h.slack.calls.length;
      expect((await h.globalShortcut(h.users.dev)).status).toBe(200);
      const view = viewOf(await h.slack.waitFor('views.open', 5000, since));
      expect(view.callback_id).toBe(REQUEST_MODAL);
      // A global shortcut has no conversation and no response_url: the metadata names nowhere to answer.
      expect(JSON.parse(view.private_metadata)).toEqual({});

      expect((await h.submitRequest(h.users.dev, readOnly(h, 'from the shortcuts menu'), view.private_metadata)).status).toBe(200);
      const id = requestIdIn(await h.waitForText(h.users.dev, 'sent to the owners for approval'));
      await h.waitForApprovalMessage(id, 'Waiting for approval');
      expect((await h.db.accessRequest.findUniqueOrThrow({ where: { id } })).reason).toBe('from the shortcuts menu');
      expect(await h.auditActions(id)).toEqual(['requested']);
    });

    test('the message shortcut fills the ticket field with the message’s permalink, and the request stores it', async () => {
      const incident = h.slack.postAs(h.users.manager1, CHANNELS.general, 'INC-77: refunds are stuck, orders-db looks locked');
      const since = h.slack.calls.length;
      expect((await h.messageShortcut(h.users.dev, CHANNELS.general, incident, { replyName: 'about-inc-77' })).status).toBe(200);

      const opened = viewOf(await h.slack.waitFor('views.open', 5000, since));
      expect(opened.callback_id).toBe(REQUEST_MODAL);
      const asked = await h.slack.waitFor('chat.getPermalink', 5000, since);
      expect(asked.args).toMatchObject({ channel: CHANNELS.general, message_ts: incident.ts });
      const permalink = asked.response.permalink as string;
      const updated = viewOf(await h.slack.waitFor('views.update', 5000, since));
      expect(updated.id).toBe(opened.id);
      expect(ticketBlock(updated)?.element?.initial_value).toBe(permalink);

      // Submitted as Slack filled it in, the link still in the ticket field.
      const answer = await h.submitRequest(h.users.dev, readOnly(h, 'INC-77 refunds', permalink), updated.private_metadata);
      expect(answer.status).toBe(200);
      const id = requestIdIn(await h.responseAt('about-inc-77'));
      expect((await h.db.accessRequest.findUniqueOrThrow({ where: { id } })).ticketUrl).toBe(permalink);
      // The outcome is shown to the person in the conversation of the message.
      expect(h.slack.ephemeralMessages(CHANNELS.general)).toContainEqual(
        expect.objectContaining({ user: h.users.dev, text: expect.stringContaining(`Request #${id} sent`) }),
      );
      await h.waitForApprovalMessage(id, 'Waiting for approval');
      expect(JSON.stringify(h.approvalMessage(id)?.blocks)).toContain(permalink);
    });

    test('in a conversation the bot cannot read, Slack gives no permalink: the form keeps an empty ticket field that says so', async () => {
      // A private channel prod-access was never invited to: chat.getPermalink answers channel_not_found there.
      const unseen = { type: 'message', ts: '1700000500.000100', text: 'db is slow again', user: h.users.manager1 };
      const since = h.slack.calls.length;
      expect((await h.messageShortcut(h.users.dev, PRIVATE_CHANNEL, unseen, { replyName: 'unseen' })).status).toBe(200);

      expect((await h.slack.waitFor('chat.getPermalink', 5000, since)).response.error).toBe('channel_not_found');
      const updated = viewOf(await h.slack.waitFor('views.update', 5000, since));
      expect(ticketBlock(updated)?.element?.initial_value).toBeUndefined();
      expect(JSON.stringify(ticketBlock(updated))).toContain('Copy link');
      expect((await h.submitRequest(h.users.dev, readOnly(h, 'from a private channel'), updated.private_metadata)).status).toBe(200);
      expect(await h.responseAt('unseen')).toMatch(/^Request #\d+ sent/);
    });

    test('a shortcut whose trigger_id is past Slack’s 3 seconds is answered clearly, and nothing is stored', async () => {
      const before = await h.db.accessRequest.count();
      const incident = h.slack.postAs(h.users.manager1, CHANNELS.general, 'INC-78: a slow night');
      const globalTrigger = h.slack.triggerFor(h.users.dev);
      const messageTrigger = h.slack.triggerFor(h.users.dev);
      await pause(3100);

      const since = h.slack.calls.length;
      expect((await h.globalShortcut(h.users.dev, { triggerId: globalTrigger })).status).toBe(200);
      const late = { triggerId: messageTrigger, replyName: 'late-shortcut' };
      expect((await h.messageShortcut(h.users.dev, CHANNELS.general, incident, late)).status).toBe(200);

      expect(await h.responseAt('late-shortcut')).toMatch(/3 seconds.*Try again/);
      await h.waitForText(h.users.dev, 'they ran out, so nothing was done');
      expect(callsSince(h, 'views.open', since).map((call) => call.response.error)).toEqual(['expired_trigger_id', 'expired_trigger_id']);
      expect(callsSince(h, 'chat.getPermalink', since)).toEqual([]);
      expect(await h.db.accessRequest.count()).toBe(before);
    });

    test('/prod-access typed in the DM with the app opens the form and takes `request …`; the answers reach the person there', async () => {
      const dm = `D${h.users.dev}`;
      const since = h.slack.calls.length;
      expect((await h.command(h.users.dev, '', { channelId: dm, replyName: 'dm-form' })).status).toBe(200);
      const view = viewOf(await h.slack.waitFor('views.open', 5000, since));
      expect((await h.submitRequest(h.users.dev, readOnly(h, 'asked from the DM form'), view.private_metadata)).status).toBe(200);
      const fromForm = requestIdIn(await h.responseAt('dm-form'));

      await h.command(h.users.dev, `request ${h.resourceId} read-only 10m typed in the DM`, { channelId: dm, replyName: 'dm-inline' });
      const inline = requestIdIn(await h.responseAt('dm-inline'));
      await h.command(h.users.dev, 'list', { channelId: dm, replyName: 'dm-list' });
      expect(await h.responseAt('dm-list')).toContain(`#${inline}`);

      expect(h.slack.ephemeralMessages(dm).map((message) => message.user)).toEqual([h.users.dev, h.users.dev, h.users.dev]);
      expect(h.slack.ephemeralMessages(dm).map((message) => message.text)).toEqual([
        expect.stringContaining(`Request #${fromForm} sent`),
        expect.stringContaining(`Request #${inline} sent`),
        expect.stringContaining(`#${inline}`),
      ]);
      await h.waitForApprovalMessage(fromForm, 'Waiting for approval');
      await h.waitForApprovalMessage(inline, 'Waiting for approval');
    });

    test('in a DM between two people, which the bot is not in, the command is answered there all the same', async () => {
      const colleagues = 'D0COLLEAGUE'; // alice's DM with maria: not a conversation of the app's
      await h.command(h.users.dev, 'list', { channelId: colleagues, replyName: 'colleague-dm' });
      expect(await h.responseAt('colleague-dm')).toMatch(/#\d+/);
      expect(h.slack.ephemeralMessages(colleagues)).toEqual([expect.objectContaining({ user: h.users.dev })]);
    });
  });

  describe(guarantee(9), () => {
    test('a shortcut with a callback id prod-access does not know is refused with a message, and nothing is opened or stored', async () => {
      const before = await h.db.accessRequest.count();
      const since = h.slack.calls.length;
      // What Slack sends when the app is installed with a manifest declaring a shortcut this code does not handle.
      const known = globalShortcutPayload({
        user: h.users.dev,
        callbackId: SHORTCUTS.requestAccess,
        triggerId: h.slack.triggerFor(h.users.dev),
      });
      const answer = await sendInteraction(h.endpoint, SIGNING_SECRET, { ...known, callback_id: 'request_root_access' });

      expect(answer.status).toBe(200);
      await h.waitForText(h.users.dev, 'does not know this shortcut');
      expect(callsSince(h, 'views.open', since)).toEqual([]);
      expect(await h.db.accessRequest.count()).toBe(before);
    });
  });
});
