import { DENY_ACTION } from '../../src/slack/blocks/approval-message';
import { sendSlashCommand } from '../../devkit/slack-standin/signed-request';
import { DENY_COMMENT_FIELD, DENY_MODAL, REQUEST_FIELDS, REQUEST_MODAL } from '../../src/slack/blocks/request-modal';
import { CHANNELS, Harness, waitUntil } from '../support/harness';

/** Each rule of who may do what, and each bad input, through the real HTTP endpoint. */
describe('rules and bad input', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start();
  });

  afterAll(async () => {
    await h.stop();
  });

  const newRequest = (level = 'read-only', duration = '10m') => h.requestAccess(`${level} ${duration} rules test`);

  describe('bad input gets an ephemeral explanation and stores nothing', () => {
    test.each([
      ['request nosuch read-only 1h x', /no resource "nosuch".*Known resources: orders-db/],
      ['request orders-db admin 1h x', /no access level "admin".*Levels: read-only, write/],
      ['request orders-db read-only 2h x', /2h is longer than read-only on orders-db allows: at most 1h/],
      ['request orders-db read-only soon x', /"soon" is not a duration/],
      ['request orders-db read-only 30m', /reason is required/],
      ['request orders-db', /Usage: \/prod-access request <resource> <level> <duration> <reason…>/],
      ['frobnicate', /Usage: \/prod-access help, list, request, extend or revoke/],
      ['revoke abc', /Usage: \/prod-access revoke <id>/],
      ['extend 12', /Usage: \/prod-access extend <id> <duration> <reason…>/],
      ['extend 999999 1h x', /Request #999999 does not exist/],
    ])('"%s"', async (text, message) => {
      const before = await h.db.accessRequest.count();
      expect(await h.ask(h.users.dev, text)).toMatch(message);
      expect(await h.db.accessRequest.count()).toBe(before);
    });

    test('an extension is refused, and nothing stored, unless it is your own live grant, within the rules, with a reason', async () => {
      const pending = await newRequest();
      const active = await newRequest();
      await h.clickAndReply(h.users.manager1, active);
      await h.waitForApprovalMessage(active, 'active until');
      const before = await h.db.accessRequest.count();
      const refusals: [string, string, RegExp][] = [
        [h.users.manager1, `extend ${active} 10m let me`, new RegExp(`Only the requester of #${active} can extend it`)],
        [h.users.dev, `extend ${pending} 10m more`, new RegExp(`#${pending} holds no live access to extend \\(it is pending\\)`)],
        [h.users.dev, `extend ${active} 2h more`, /2h is longer than read-only on orders-db allows: at most 1h/],
        [h.users.dev, `extend ${active} 10m`, /reason is required/],
      ];
      for (const [user, text, message] of refusals) expect(await h.ask(user, text)).toMatch(message);
      expect(await h.db.accessRequest.count()).toBe(before);
    });

    test('a user with no mapped identity is refused before any approver is bothered', async () => {
      const posts = h.apiCalls('chat.postMessage').length;
      expect(await h.ask(h.users.unmapped, `request ${h.resourceId} read-only 10m need it`)).toMatch(/no identity mapped/);
      expect(await h.requestsOf(h.users.unmapped)).toHaveLength(0);
      expect(h.apiCalls('chat.postMessage')).toHaveLength(posts);
    });

    test('a request signed with the wrong secret is rejected with 401 and changes nothing', async () => {
      const before = await h.db.accessRequest.count();
      const answer = await sendSlashCommand(h.endpoint, 'not-the-secret', {
        text: `request ${h.resourceId} read-only 10m forged`,
        user_id: h.users.dev,
        response_url: h.slack.responseUrl('forged'),
      });
      expect(answer.status).toBe(401);
      expect(await h.db.accessRequest.count()).toBe(before);
    });
  });

  describe('the modal', () => {
    test('/prod-access with no arguments opens a modal with the catalog choices', async () => {
      const since = h.slack.calls.length;
      await h.command(h.users.dev, '');
      const call = await h.slack.waitFor('views.open', 5000, since);
      const view = call.args.view as { callback_id: string; blocks: { block_id?: string; element?: { options?: { value: string }[] } }[] };
      expect(view.callback_id).toBe(REQUEST_MODAL);
      const options = (blockId: string) => view.blocks.find((b) => b.block_id === blockId)?.element?.options?.map((o) => o.value);
      expect(options(REQUEST_FIELDS.resource)).toEqual([h.resourceId]);
      // Levels are offered once a resource is chosen (test/e2e/slack-ux.test.ts).
      expect(options(REQUEST_FIELDS.level)).toBeUndefined();
    });

    const values = (resource: string, level: string, duration: string, reason: string, ticket = '') => ({
      [REQUEST_FIELDS.resource]: { value: { type: 'static_select', selected_option: { value: resource } } },
      [REQUEST_FIELDS.level]: { value: { type: 'static_select', selected_option: { value: level } } },
      [REQUEST_FIELDS.duration]: { value: { type: 'plain_text_input', value: duration } },
      [REQUEST_FIELDS.reason]: { value: { type: 'plain_text_input', value: reason } },
      [REQUEST_FIELDS.ticket]: { value: { type: 'plain_text_input', value: ticket } },
    });

    test.each([
      ['write', '2h', 'x', '', REQUEST_FIELDS.duration, /at most 30m/],
      ['read-only', 'abc', 'x', '', REQUEST_FIELDS.duration, /not a duration/],
      ['read-only', '10m', ' ', '', REQUEST_FIELDS.reason, /reason is required/],
      ['read-only', '10m', 'x', 'ftp://tickets', REQUEST_FIELDS.ticket, /http\(s\) URL/],
      ['read-only', '10m', 'x', 'https://evil.example/x|https://tickets.example.com/INC-42', REQUEST_FIELDS.ticket, /no \|, < or >/],
      ['read-only', '10m', '&'.repeat(1000), '', REQUEST_FIELDS.reason, /1000 characters, counted as Slack counts them/],
    ])('invalid input comes back as a field error (%s %s)', async (level, duration, reason, ticket, field, message) => {
      const before = await h.db.accessRequest.count();
      const answer = await h.submitView(h.users.dev, REQUEST_MODAL, values(h.resourceId, level, duration, reason, ticket), '{}');
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ response_action: 'errors', errors: { [field]: expect.stringMatching(message) } });
      expect(await h.db.accessRequest.count()).toBe(before);
    });

    test('a valid submission creates the request with its ticket link and tells the user', async () => {
      const answer = await h.submitView(
        h.users.dev,
        REQUEST_MODAL,
        values(h.resourceId, 'read-only', '', 'from the modal', 'https://tickets.example.com/INC-7'),
        JSON.stringify({ responseUrl: h.slack.responseUrl('modal-outcome') }),
      );
      expect(answer.status).toBe(200);
      const call = await h.slack.waitFor((c) => c.kind === 'response' && c.name === 'modal-outcome');
      const id = Number(/#(\d+)/.exec(String(call.kind === 'response' && (call.body as { text: string }).text))?.[1]);
      const stored = await h.db.accessRequest.findUniqueOrThrow({ where: { id } });
      expect(stored).toMatchObject({ reason: 'from the modal', ticketUrl: 'https://tickets.example.com/INC-7', durationSeconds: 600 });
      expect(await h.waitForApprovalMessage(id, 'Waiting')).toBeDefined();
      expect(JSON.stringify(h.approvalMessage(id)!.blocks)).toContain('https://tickets.example.com/INC-7');
    });
  });

  describe('who may decide', () => {
    test('the requester cannot approve their own request, even as a member of the approver group', async () => {
      const id = await newRequest();
      expect(await h.clickAndReply(h.users.dev, id)).toMatch(/cannot approve or deny your own request/);
      expect((await h.db.accessRequest.findUniqueOrThrow({ where: { id } })).status).toBe('PENDING');
      expect(await h.auditActions(id)).toEqual(['requested', 'refused']);
    });

    test('a non-approver is refused with an explanation, and the refusal is audited', async () => {
      const id = await newRequest();
      expect(await h.clickAndReply(h.users.outsider, id)).toMatch(/not an approver/);
      expect((await h.db.accessRequest.findUniqueOrThrow({ where: { id } })).status).toBe('PENDING');
      await h.waitForText(CHANNELS.audit, `*refused* #${id}`);
    });

    test('a member of an approver group may approve', async () => {
      const id = await newRequest();
      expect(await h.clickAndReply(h.users.manager2, id)).toContain(`You approved #${id}`);
      await h.waitForApprovalMessage(id, 'active until');
    });

    test('a level needing two approvals needs two distinct approvers; the same one twice does not count', async () => {
      const id = await newRequest('write');
      expect(await h.clickAndReply(h.users.manager1, id)).toMatch(/recorded \(1 of 2\)/);
      expect(await h.clickAndReply(h.users.manager1, id)).toMatch(/already approved/);
      await h.waitForApprovalMessage(id, 'waiting for 1 more approval');
      expect((await h.db.accessRequest.findUniqueOrThrow({ where: { id } })).status).toBe('PENDING');
      expect(await h.clickAndReply(h.users.manager2, id)).toContain(`You approved #${id}`);
      await h.waitForApprovalMessage(id, 'active until');
      await expect(h.queryAsDeveloper("INSERT INTO orders VALUES (2, 'gadget') RETURNING id")).resolves.toEqual([{ id: 2 }]);
    });

    test('two approvers racing, and double clicks, end in exactly one approval and one grant', async () => {
      const id = await newRequest();
      const clicks = await Promise.all([h.click(h.users.manager1, id), h.click(h.users.manager2, id), h.click(h.users.manager1, id)]);
      expect(clicks.map((c) => c.status)).toEqual([200, 200, 200]);
      await h.waitForApprovalMessage(id, 'active until');
      const actions = await h.auditActions(id);
      expect(actions.filter((a) => a === 'approved')).toHaveLength(1);
      expect(actions.filter((a) => a === 'granted')).toHaveLength(1);
    });

    test('Deny asks for a reason, and the requester is told it', async () => {
      const id = await newRequest();
      const since = h.slack.calls.length;
      await h.click(h.users.manager1, id, DENY_ACTION);
      const open = await h.slack.waitFor('views.open', 5000, since);
      const view = open.args.view as { callback_id: string; private_metadata: string };
      expect(view.callback_id).toBe(DENY_MODAL);
      const answer = await h.submitView(
        h.users.manager1,
        DENY_MODAL,
        { [DENY_COMMENT_FIELD]: { value: { type: 'plain_text_input', value: 'use the replica' } } },
        view.private_metadata,
      );
      expect(answer.status).toBe(200);
      await h.waitForApprovalMessage(id, 'Denied by');
      expect(h.approvalMessage(id)!.text).toContain('use the replica');
      await h.waitForText(h.users.dev, `#${id} (read-only on Orders database) was denied`);
      // Approve after deny changes nothing.
      expect(await h.clickAndReply(h.users.manager2, id)).toMatch(/already decided \(denied\)/);
      expect(await h.auditActions(id)).toEqual(['requested', 'denied']);
    });

    test('a non-approver is refused when submitting the Deny dialog', async () => {
      const id = await newRequest();
      const since = h.slack.calls.length;
      const replyName = 'outsider-deny';
      await h.click(h.users.outsider, id, DENY_ACTION, replyName);
      const open = await h.slack.waitFor('views.open', 5000, since);
      const { private_metadata } = open.args.view as { private_metadata: string };
      await h.submitView(
        h.users.outsider,
        DENY_MODAL,
        { [DENY_COMMENT_FIELD]: { value: { type: 'plain_text_input', value: '' } } },
        private_metadata,
      );
      const reply = await h.slack.waitFor((c) => c.kind === 'response' && c.name === replyName);
      expect(reply.kind === 'response' && (reply.body as { text: string }).text).toMatch(/not an approver/);
      expect((await h.db.accessRequest.findUniqueOrThrow({ where: { id } })).status).toBe('PENDING');
    });
  });

  describe('early revoke and listing', () => {
    test('the requester gives access back early; it is removed at once and the message says by whom', async () => {
      // A harness of its own: the other tests leave grants of the same role active.
      const t = await Harness.start();
      try {
        const id = await t.requestAccess(`read-only 10m early revoke`);
        await t.clickAndReply(t.users.manager1, id);
        await t.waitForApprovalMessage(id, 'active until');
        expect(await t.ask(t.users.outsider, `revoke ${id}`)).toMatch(/Only the requester or an approver/);
        expect(await t.ask(t.users.dev, 'list')).toContain(`#${id} \`${t.resourceId}\` read-only for 10m: active until`);
        expect(await t.ask(t.users.dev, `revoke #${id}`)).toMatch(/Revoking #\d+ now/);
        await t.waitForApprovalMessage(id, 'Revoked early by');
        await expect(t.queryAsDeveloper('SELECT item FROM orders')).rejects.toThrow(/permission denied/);
        await t.waitForText(t.users.dev, `#${id} (read-only on Orders database) was revoked.`);
        expect(await t.auditActions(id)).toEqual(['requested', 'approval_recorded', 'approved', 'granted', 'revoke_requested', 'revoked']);
        expect(await t.ask(t.users.dev, `revoke ${id}`)).toMatch(/holds no access to revoke/);
      } finally {
        await t.stop();
      }
    });

    test('help lists the commands and the catalog', async () => {
      const help = await h.ask(h.users.dev, 'help');
      expect(help).toContain('/prod-access request <resource> <level> <duration> <reason…>');
      expect(help).toContain('`orders-db` Orders database: read-only (max 1h), write (max 30m)');
    });
  });

  test('a request nobody decides expires, and its message says so', async () => {
    const t = await Harness.start({ pendingTimeout: '2s' });
    try {
      const reply = await t.ask(t.users.dev, `request ${t.resourceId} read-only 10m nobody answers`);
      const id = Number(/#(\d+)/.exec(reply)?.[1]);
      await t.waitForApprovalMessage(id, 'nobody decided in time', 15_000);
      await t.waitForText(t.users.dev, 'expired: nobody decided in time');
      expect(await t.clickAndReply(t.users.manager1, id)).toMatch(/already decided \(timed out\)/);
      await waitUntil(
        async () => ((await t.auditActions(id)).includes('timed_out') ? true : undefined),
        5000,
        () => 'timed_out audit row',
      );
    } finally {
      await t.stop();
    }
  });
});

describe('pending timeout', () => {
  test('an Approve after the pending timeout, with no worker to time the request out, times it out instead', async () => {
    // Only the web role: the expire-pending job that would time the request out never runs.
    const t = await Harness.start({ pendingTimeout: '2s', role: 'web' });
    try {
      const reply = await t.ask(t.users.dev, `request ${t.resourceId} read-only 10m decided too late`);
      const id = Number(/#(\d+)/.exec(reply)?.[1]);
      const { pendingExpiresAt } = await t.db.accessRequest.findUniqueOrThrow({ where: { id } });
      await waitUntil(
        () => (Date.now() > pendingExpiresAt.getTime() + 500 ? true : undefined),
        10_000,
        () => 'the pending timeout',
      );

      expect(await t.clickAndReply(t.users.manager1, id)).toMatch(new RegExp(`#${id} was not decided before its pending timeout`));
      expect((await t.db.accessRequest.findUniqueOrThrow({ where: { id } })).status).toBe('TIMED_OUT');
      expect(await t.auditActions(id)).toEqual(['requested', 'timed_out']);
      expect(await t.db.decision.count({ where: { requestId: id } })).toBe(0);
      expect(await t.clickAndReply(t.users.manager2, id)).toMatch(/already decided \(timed out\)/);
    } finally {
      await t.stop();
    }
  });
});

describe('rate limit', () => {
  test('a user over the request limit is refused with the limit named, and nothing is stored', async () => {
    const h = await Harness.start({ env: { REQUEST_RATE_LIMIT: '2', REQUEST_RATE_WINDOW_SECONDS: '600' } });
    try {
      for (const n of [1, 2])
        expect(await h.ask(h.users.dev, `request ${h.resourceId} read-only 10m burst ${n}`)).toMatch(/sent to the owners/);
      expect(await h.ask(h.users.dev, `request ${h.resourceId} read-only 10m burst 3`)).toMatch(
        /made 2 requests in the last 10m; the limit is 2/,
      );
      expect(await h.requestsOf(h.users.dev)).toHaveLength(2);
      expect(await h.ask(h.users.manager1, `request ${h.resourceId} read-only 10m someone else`)).toMatch(/sent to the owners/);
    } finally {
      await h.stop();
    }
  });

  test('20 requests at once under a limit of 3 store exactly 3; the other 17 are told the limit', async () => {
    const h = await Harness.start({ env: { REQUEST_RATE_LIMIT: '3', REQUEST_RATE_WINDOW_SECONDS: '600' } });
    try {
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, n) => h.ask(h.users.dev, `request ${h.resourceId} read-only 10m at once ${n}`)),
      );
      expect(await h.requestsOf(h.users.dev)).toHaveLength(3);
      expect(replies.filter((reply) => /sent to the owners/.test(reply))).toHaveLength(3);
      expect(replies.filter((reply) => /the limit is 3/.test(reply))).toHaveLength(17);
      expect(await h.db.auditEvent.count({ where: { actor: h.users.dev, action: 'requested' } })).toBe(3);
    } finally {
      await h.stop();
    }
  });
});
