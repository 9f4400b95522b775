import { DENY_COMMENT_FIELD, DENY_MODAL } from '../../src/slack/render/deny-modal';
import { REQUEST_FIELDS, REQUEST_MODAL, RESOURCE_SELECT } from '../../src/slack/render/request-modal';
import type { ApiCall, SlackView } from '../../devkit/slack-standin/server';
import { blockSuggestionPayload, sendInteraction, viewActionPayload } from '../../devkit/slack-standin/signed-request';
import { guarantee } from '../support/guarantees';
import { CHANNELS, grantAccess, type Harness, requestAccess, SIGNING_SECRET, useHarness, waitUntil } from '../support/harness';

/** Slack as it behaves in a real workspace: trigger_ids that expire, channels the bot is not in, big catalogs. */

/** A private channel the bot was never invited to: Slack answers chat.postEphemeral there with channel_not_found. */
const PRIVATE_CHANNEL = 'C0PRIVATE7';
const LOGINS = 'orders-logins';

type Block = { type: string; block_id?: string; dispatch_action?: boolean; element?: Element };
type Element = { type: string; action_id: string; options?: { value: string; text: { text: string } }[] };

const blocksOf = (view: SlackView) => view.blocks as Block[];
const blockOf = (view: SlackView, blockId: string) => blocksOf(view).find((b) => b.block_id === blockId);
const optionValues = (view: SlackView, blockId: string) => blockOf(view, blockId)?.element?.options?.map((o) => o.value);
const viewOf = (call: ApiCall) => call.response.view as SlackView;

/** The request form filled in for read-only access to the harness's resource. */
const readOnlyRequest = (h: Harness, reason: string) => ({ resource: h.resourceId, level: 'read-only', reason });

/** Types `/prod-access` in a conversation and returns the modal it opened; its outcome goes to the response_url `replyName`. */
async function openRequestModal(h: Harness, userId: string, replyName: string, channelId?: string) {
  const since = h.slack.calls.length;
  expect((await h.command(userId, '', { replyName, channelId })).status).toBe(200);
  return viewOf(await h.slack.waitFor('views.open', 5000, since));
}

/** Picks a resource in the open modal, as Slack sends it (dispatch_action), and returns the updated view. */
async function chooseResource(
  h: Harness,
  userId: string,
  view: SlackView,
  resourceId: string,
  elementType: 'static_select' | 'external_select' = 'static_select',
) {
  const since = h.slack.calls.length;
  const payload = viewActionPayload({
    user: userId,
    view,
    blockId: REQUEST_FIELDS.resource,
    actionId: RESOURCE_SELECT,
    elementType,
    selectedValue: resourceId,
  });
  expect((await sendInteraction(h.endpoint, SIGNING_SECRET, payload)).status).toBe(200);
  return viewOf(await h.slack.waitFor('views.update', 5000, since));
}

describe('Slack done the way Slack works', () => {
  const h = useHarness({
    reconcileIntervalSeconds: 1,
    // Login-role mode: each grant gets a temporary login whose password goes to the requester's DM.
    resources: ({ adminEnvName, target, users }) => [
      {
        id: LOGINS,
        name: 'Orders logins',
        ownersChannel: CHANNELS.owners,
        provider: { kind: 'postgres', mode: 'login-role', connectionEnv: adminEnvName },
        levels: [
          {
            id: 'temporary-login',
            target: { role: target.roles.read },
            maxDuration: '1h',
            approvals: 1,
            approvers: { users: [users.manager1] },
          },
        ],
      },
    ],
  });

  describe(guarantee(8), () => {
    test('Deny opens its modal before asking Slack anything, so a slow usergroups.users.list cannot expire its trigger_id', async () => {
      const id = await requestAccess(h, { reason: 'deny while Slack is slow' });
      // manager2 may decide as a member of the approver group: checking that takes usergroups.users.list.
      h.slack.failNext('usergroups.users.list', { status: 429, retryAfter: 3 });
      const { opened, view, since } = await h.clickDeny(h.users.manager2, id, 'deny-slow');
      expect(opened.response.ok).toBe(true);
      const before = h.slack.calls.slice(since, h.slack.calls.indexOf(opened));
      expect(before.filter((c) => c.kind === 'api').map((c) => c.kind === 'api' && c.method)).not.toContain('usergroups.users.list');

      expect(view.callback_id).toBe(DENY_MODAL);
      expect((await h.submitDeny(h.users.manager2, 'not today', view.private_metadata)).status).toBe(200);
      // Authorized on submit, from the signed user id: the outcome goes back to where the click was.
      expect(await h.responseAt('deny-slow')).toBe(`You denied #${id}.`);
      await h.waitForStatus(id, 'DENIED');
    });

    test('someone who may not decide can open the Deny modal, and is refused on submit with nothing changed', async () => {
      const id = await requestAccess(h, { reason: 'outsider denies' });
      const { view } = await h.clickDeny(h.users.outsider, id, 'deny-outsider');
      await h.submitDeny(h.users.outsider, '', view.private_metadata);
      expect(await h.responseAt('deny-outsider')).toMatch(/not an approver/);
      expect(await h.statusOf(id)).toBe('PENDING');
      expect(await h.auditActions(id)).toEqual(['requested', 'refused']);
    });
  });

  describe(guarantee(9), () => {
    test.each([
      ['a response_url of another host', (id: number) => JSON.stringify({ requestId: id, responseUrl: 'https://evil.example/hook' })],
      ['a request id that is not a number', () => JSON.stringify({ requestId: '1 OR 1=1' })],
      ['text that is not JSON', () => 'requestId=1'],
    ])('a Deny submission whose metadata prod-access did not write (%s) is refused in the modal', async (_case, metadata) => {
      const id = await requestAccess(h, { reason: 'forged deny' });
      const since = h.slack.calls.length;
      const answer = await h.submitDeny(h.users.manager1, '', metadata(id));
      expect(answer.json).toEqual({
        response_action: 'errors',
        errors: { [DENY_COMMENT_FIELD]: expect.stringMatching(/not opened by prod-access/) },
      });
      expect(await h.statusOf(id)).toBe('PENDING');
      expect(h.slack.calls.slice(since).filter((c) => c.kind === 'response')).toEqual([]);
    });

    test('a request modal whose response_url points anywhere but Slack is refused, and nothing is requested', async () => {
      const before = await h.db.accessRequest.count();
      const since = h.slack.calls.length;
      const answer = await h.submitRequest(
        h.users.dev,
        readOnlyRequest(h, 'forged'),
        JSON.stringify({ responseUrl: 'https://hooks.slack.com.evil.example/commands/T1/2/abc' }),
      );
      expect(answer.json).toEqual({
        response_action: 'errors',
        errors: { [REQUEST_FIELDS.resource]: expect.stringMatching(/not opened/) },
      });
      expect(await h.db.accessRequest.count()).toBe(before);
      expect(h.slack.calls.slice(since).filter((c) => c.kind === 'response')).toEqual([]);
    });
  });

  describe(guarantee(16), () => {
    test('the request modal asks for the resource first, then offers only that resource’s levels', async () => {
      const view = await openRequestModal(h, h.users.dev, 'pick-levels');
      expect(view.callback_id).toBe(REQUEST_MODAL);
      expect(blockOf(view, REQUEST_FIELDS.resource)).toMatchObject({ dispatch_action: true, element: { type: 'static_select' } });
      expect(optionValues(view, REQUEST_FIELDS.resource)).toEqual([h.resourceId, LOGINS]);
      expect(blockOf(view, REQUEST_FIELDS.level)).toBeUndefined();

      const orders = await chooseResource(h, h.users.dev, view, h.resourceId);
      expect(optionValues(orders, REQUEST_FIELDS.level)).toEqual(['read-only', 'write']);
      expect(blockOf(orders, REQUEST_FIELDS.level)!.element!.options!.map((o) => o.text.text)).toEqual([
        'read-only, up to 1h',
        'write, up to 30m',
      ]);
      const logins = await chooseResource(h, h.users.dev, orders, LOGINS);
      expect(optionValues(logins, REQUEST_FIELDS.level)).toEqual(['temporary-login']);
      expect(logins.private_metadata).toBe(view.private_metadata);
    });

    test('the request modal’s outcome reaches a user who typed the command in a channel the bot is not in', async () => {
      const view = await openRequestModal(h, h.users.dev, 'from-private', PRIVATE_CHANNEL);
      const answer = await h.submitRequest(h.users.dev, readOnlyRequest(h, 'from a private channel'), view.private_metadata);
      expect(answer.status).toBe(200);
      expect(await h.responseAt('from-private')).toMatch(/^Request #\d+ sent to the owners for approval/);
    });

    test('without a response_url, the request modal’s outcome comes by DM', async () => {
      const answer = await h.submitRequest(h.users.unmapped, readOnlyRequest(h, 'no response url'), '{}');
      expect(answer.status).toBe(200);
      // This user maps to no identity: the refusal is the outcome, and it arrives by DM.
      await h.waitForText(h.users.unmapped, ':warning:');
    });
  });

  describe(guarantee(15), () => {
    /** Grants a temporary login and returns the request id and the password its access DM carried. */
    async function grantLogin(reason: string) {
      const id = await grantAccess(h, { resource: LOGINS, level: 'temporary-login', reason });
      const dmText = await h.waitForText(h.users.dev, `Your access #${id} `);
      const password = /Password \(shown once, never stored\): `([^`]+)`/.exec(dmText)?.[1];
      expect(password).toBeDefined();
      return { id, password: password! };
    }

    /** Waits until the DM that carried the password says it was removed, then checks it is nowhere in the DM. */
    async function waitForPasswordGone(id: number, password: string) {
      await waitUntil(
        () => h.texts(h.users.dev).find((t) => t.startsWith(`:lock: Your access #${id} `) && t.includes('password was removed')),
        20_000,
        () => `the DM of #${id} to lose its password; the DM has:\n${h.texts(h.users.dev).join('\n')}`,
      );
      expect(h.texts(h.users.dev).filter((t) => t.includes(password))).toEqual([]);
    }

    test('one-time passwords are taken out of the DM when the access is revoked', async () => {
      const { id, password } = await grantLogin('secret goes at revoke');
      expect(await h.ask(h.users.dev, `revoke ${id}`)).toMatch(/Revoking/);
      await h.waitForStatus(id, 'REVOKED');
      await waitForPasswordGone(id, password);
    });

    test('one-time passwords are taken out even when the queue lost the job that does it (the reconciler asks again)', async () => {
      const { id, password } = await grantLogin('secret goes after a flush');
      let failing = true;
      h.slack.failNext('chat.update', { error: 'internal_error' }, 1000, (args) => failing && String(args.channel).startsWith('D'));
      const since = h.slack.calls.length;
      expect(await h.ask(h.users.dev, `revoke ${id}`)).toMatch(/Revoking/);
      await h.slack.waitFor((c) => c.kind === 'api' && c.method === 'chat.update' && c.fault !== undefined, 15_000, since);
      await h.redis.clear();
      failing = false;
      await waitForPasswordGone(id, password);
    });
  });
});

describe('a catalog with more resources than a select can list', () => {
  const big = useHarness({
    role: 'web',
    resources: ({ users }) =>
      Array.from({ length: 150 }, (_, i) => ({
        id: `service-${String(i + 1).padStart(3, '0')}`,
        name: `Service ${i + 1}`,
        ownersChannel: CHANNELS.owners,
        provider: { kind: 'command', executable: process.execPath, grant: ['-e', ''], revoke: ['-e', ''], check: ['-e', ''] },
        levels: [{ id: `operator-${i + 1}`, target: {}, maxDuration: '1h', approvals: 1, approvers: { users: [users.manager1] } }],
      })),
  });

  describe(guarantee(16), () => {
    test('the resource picker loads its options as the user types, and every resource can be found', async () => {
      const view = await openRequestModal(big, big.users.dev, 'big');
      expect(blockOf(view, REQUEST_FIELDS.resource)!.element!.type).toBe('external_select');

      const suggest = async (value: string) => {
        const payload = blockSuggestionPayload({
          user: big.users.dev,
          view,
          blockId: REQUEST_FIELDS.resource,
          actionId: RESOURCE_SELECT,
          value,
        });
        const answer = await sendInteraction(big.endpoint, SIGNING_SECRET, payload);
        expect(answer.status).toBe(200);
        return (answer.json as { options: { value: string; text: { text: string } }[] }).options;
      };
      const first = await suggest('');
      expect(first).toHaveLength(100);
      expect(first.every((o) => o.text.text.length <= 75)).toBe(true);
      expect((await suggest('service-150')).map((o) => o.value)).toEqual(['service-150']);
      expect((await suggest('Service 14')).map((o) => o.value)).toEqual([
        'service-014',
        ...Array.from({ length: 10 }, (_, i) => `service-${140 + i}`),
      ]);

      const chosen = await chooseResource(big, big.users.dev, view, 'service-150', 'external_select');
      expect(optionValues(chosen, REQUEST_FIELDS.level)).toEqual(['operator-150']);
    });
  });
});
