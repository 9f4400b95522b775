import { DENY_MODAL } from '../../src/slack/render/deny-modal';
import { REQUEST_FIELDS } from '../../src/slack/render/request-modal';
import { guarantee } from '../support/guarantees';
import { CHANNELS, grantAccess, requestAccess, requestIdIn, useHarness, waitUntil } from '../support/harness';

/** Each rule of who may do what, and each bad input, through the real HTTP endpoint. */
const h = useHarness();

describe(guarantee(9), () => {
  describe('bad input gets an ephemeral explanation and stores nothing', () => {
    test.each([
      ['request nosuch read-only 1h x', /no resource "nosuch".*Known resources: orders-db/],
      ['request orders-db admin 1h x', /no access level "admin".*Levels: read-only, write/],
      ['request orders-db read-only 2h x', /2h is longer than read-only on orders-db allows: at most 1h/],
      ['request orders-db read-only soon x', /"soon" is not a duration/],
      ['request orders-db read-only 30m', /reason is required/],
      ['request orders-db', /Usage: \/prod-access request <resource> <level> <duration> <reason…>/],
      ['frobnicate', /Usage: \/prod-access help, list, request, extend, revoke or break-glass/],
      ['revoke abc', /Usage: \/prod-access revoke <id>/],
      ['extend 12', /Usage: \/prod-access extend <id> <duration> <reason…>/],
      ['extend 999999 1h x', /Request #999999 does not exist/],
    ])('"%s"', async (text, message) => {
      const before = await h.db.accessRequest.count();
      expect(await h.ask(h.users.dev, text)).toMatch(message);
      expect(await h.db.accessRequest.count()).toBe(before);
    });

    test('an extension is refused, and nothing stored, unless it is your own live grant, within the rules, with a reason', async () => {
      const pending = await requestAccess(h, { reason: 'rules test' });
      const active = await grantAccess(h, { reason: 'rules test' });
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
  });

  describe('the request modal', () => {
    test.each([
      ['write', '2h', 'x', '', REQUEST_FIELDS.duration, /at most 30m/],
      ['read-only', 'abc', 'x', '', REQUEST_FIELDS.duration, /not a duration/],
      ['read-only', '10m', ' ', '', REQUEST_FIELDS.reason, /reason is required/],
      ['read-only', '10m', 'x', 'ftp://tickets', REQUEST_FIELDS.ticket, /http\(s\) URL/],
      ['read-only', '10m', 'x', 'https://evil.example/x|https://tickets.example.com/INC-42', REQUEST_FIELDS.ticket, /no \|, < or >/],
      ['read-only', '10m', '&'.repeat(1000), '', REQUEST_FIELDS.reason, /1000 characters, counted as Slack counts them/],
    ])('invalid input comes back as a field error (%s %s)', async (level, duration, reason, ticket, field, message) => {
      const before = await h.db.accessRequest.count();
      const answer = await h.submitRequest(h.users.dev, { resource: h.resourceId, level, duration, reason, ticket }, '{}');
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ response_action: 'errors', errors: { [field]: expect.stringMatching(message) } });
      expect(await h.db.accessRequest.count()).toBe(before);
    });

    test('a valid submission creates the request with its ticket link and tells the user', async () => {
      const answer = await h.submitRequest(
        h.users.dev,
        { resource: h.resourceId, level: 'read-only', reason: 'from the modal', ticket: 'https://tickets.example.com/INC-7' },
        JSON.stringify({ responseUrl: h.slack.responseUrl('modal-outcome') }),
      );
      expect(answer.status).toBe(200);
      const id = requestIdIn(await h.responseAt('modal-outcome'));
      const stored = await h.db.accessRequest.findUniqueOrThrow({ where: { id } });
      expect(stored).toMatchObject({ reason: 'from the modal', ticketUrl: 'https://tickets.example.com/INC-7', durationSeconds: 600 });
      expect(await h.waitForApprovalMessage(id, 'Waiting')).toBeDefined();
      expect(JSON.stringify(h.approvalMessage(id)!.blocks)).toContain('https://tickets.example.com/INC-7');
    });
  });
});

describe(guarantee(8), () => {
  const newRequest = (level = 'read-only') => requestAccess(h, { level, reason: 'rules test' });

  describe('who may decide', () => {
    test('the requester cannot approve their own request, even as a member of the approver group', async () => {
      const id = await newRequest();
      expect(await h.clickAndReply(h.users.dev, id)).toMatch(/cannot approve or deny your own request/);
      expect(await h.statusOf(id)).toBe('PENDING');
      expect(await h.auditActions(id)).toEqual(['requested', 'refused']);
    });

    test('a non-approver is refused with an explanation, and the refusal is audited', async () => {
      const id = await newRequest();
      expect(await h.clickAndReply(h.users.outsider, id)).toMatch(/not an approver/);
      expect(await h.statusOf(id)).toBe('PENDING');
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
      expect(await h.statusOf(id)).toBe('PENDING');
      expect(await h.clickAndReply(h.users.manager2, id)).toContain(`You approved #${id}`);
      await h.waitForApprovalMessage(id, 'active until');
      await expect(h.target.queryAsDeveloper("INSERT INTO orders VALUES (2, 'gadget') RETURNING id")).resolves.toEqual([{ id: 2 }]);
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
      const { view } = await h.clickDeny(h.users.manager1, id);
      expect(view.callback_id).toBe(DENY_MODAL);
      expect((await h.submitDeny(h.users.manager1, 'use the replica', view.private_metadata)).status).toBe(200);
      await h.waitForApprovalMessage(id, 'Denied by');
      expect(h.approvalMessage(id)!.text).toContain('use the replica');
      await h.waitForText(h.users.dev, `#${id} (read-only on Orders database) was denied`);
      // Approve after deny changes nothing.
      expect(await h.clickAndReply(h.users.manager2, id)).toMatch(/already decided \(denied\)/);
      expect(await h.auditActions(id)).toEqual(['requested', 'denied']);
    });
  });

  describe('early revoke', () => {
    // A harness of its own: the other tests leave grants of the same role active.
    const t = useHarness();

    test('the requester gives access back early; it is removed at once and the message says by whom', async () => {
      const id = await grantAccess(t, { reason: 'early revoke' });
      expect(await t.ask(t.users.outsider, `revoke ${id}`)).toMatch(/Only the requester or an approver/);
      expect(await t.ask(t.users.dev, 'list')).toContain(`#${id} \`${t.resourceId}\` read-only for 10m: active until`);
      expect(await t.ask(t.users.dev, `revoke #${id}`)).toMatch(/Revoking #\d+ now/);
      await t.waitForApprovalMessage(id, 'Revoked early by');
      expect(await t.target.developerCanRead()).toBe(false);
      await t.waitForText(t.users.dev, `#${id} (read-only on Orders database) was revoked.`);
      expect(await t.auditActions(id)).toEqual(['requested', 'approval_recorded', 'approved', 'granted', 'revoke_requested', 'revoked']);
      expect(await t.ask(t.users.dev, `revoke ${id}`)).toMatch(/holds no access to revoke/);
    });
  });

  describe('the pending timeout', () => {
    const t = useHarness({ pendingTimeout: '2s' });

    test('a request nobody decides expires, and its message says so', async () => {
      const id = requestIdIn(await t.ask(t.users.dev, `request ${t.resourceId} read-only 10m nobody answers`));
      await t.waitForApprovalMessage(id, 'nobody decided in time', 15_000);
      await t.waitForText(t.users.dev, 'expired: nobody decided in time');
      expect(await t.clickAndReply(t.users.manager1, id)).toMatch(/already decided \(timed out\)/);
      await waitUntil(
        async () => ((await t.auditActions(id)).includes('timed_out') ? true : undefined),
        5000,
        () => 'timed_out audit row',
      );
    });
  });

  describe('the pending timeout with no worker', () => {
    // Only the web role: the expire-pending job that would time the request out never runs.
    const t = useHarness({ pendingTimeout: '2s', role: 'web' });

    test('an Approve after the pending timeout, with no worker to time the request out, times it out instead', async () => {
      const id = requestIdIn(await t.ask(t.users.dev, `request ${t.resourceId} read-only 10m decided too late`));
      const { pendingExpiresAt } = await t.db.accessRequest.findUniqueOrThrow({ where: { id } });
      await waitUntil(
        () => (Date.now() > pendingExpiresAt.getTime() + 500 ? true : undefined),
        10_000,
        () => 'the pending timeout',
      );

      expect(await t.clickAndReply(t.users.manager1, id)).toMatch(new RegExp(`#${id} was not decided before its pending timeout`));
      expect(await t.statusOf(id)).toBe('TIMED_OUT');
      expect(await t.auditActions(id)).toEqual(['requested', 'timed_out']);
      expect(await t.db.decision.count({ where: { requestId: id } })).toBe(0);
      expect(await t.clickAndReply(t.users.manager2, id)).toMatch(/already decided \(timed out\)/);
    });
  });
});

describe(guarantee(11), () => {
  describe('the rate limit on new requests', () => {
    const t = useHarness({ env: { REQUEST_RATE_LIMIT: '3', REQUEST_RATE_WINDOW_SECONDS: '600' } });
    const ask = (user: string, reason: string) => t.ask(user, `request ${t.resourceId} read-only 10m ${reason}`);

    test('a user over the request limit is refused with the limit named, and nothing is stored', async () => {
      for (const n of [1, 2, 3]) expect(await ask(t.users.dev, `burst ${n}`)).toMatch(/sent to the owners/);
      expect(await ask(t.users.dev, 'burst 4')).toMatch(/made 3 requests in the last 10m; the limit is 3/);
      expect(await t.requestsOf(t.users.dev)).toHaveLength(3);
      expect(await ask(t.users.manager1, 'someone else')).toMatch(/sent to the owners/);
    });

    test('20 requests at once under a limit of 3 store exactly 3; the other 17 are told the limit', async () => {
      const { outsider } = t.users;
      const replies = await Promise.all(Array.from({ length: 20 }, (_, n) => ask(outsider, `at once ${n}`)));
      expect(await t.requestsOf(outsider)).toHaveLength(3);
      expect(replies.filter((reply) => /sent to the owners/.test(reply))).toHaveLength(3);
      expect(replies.filter((reply) => /the limit is 3/.test(reply))).toHaveLength(17);
      expect(await t.db.auditEvent.count({ where: { actor: outsider, action: 'requested' } })).toBe(3);
    });
  });
});
