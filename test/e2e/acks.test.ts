import { APPROVE_ACTION } from '../../src/slack/blocks/approval-message';
import { Harness, waitUntil } from '../support/harness';

/** Slack wants every request acknowledged within 3 s: nothing on that path may wait for Slack itself. */
describe('acks never wait for Slack', () => {
  test("the web role comes up and answers commands while Slack's Web API is unreachable", async () => {
    const h = await Harness.start({ role: 'web', env: { SLACK_API_URL: 'http://127.0.0.1:1/api/' } });
    try {
      // Replies go to the command's response_url, which is not the Web API, so they still arrive.
      expect(await h.ask(h.users.dev, 'help')).toContain(h.resourceId);
      expect(await h.ask(h.users.dev, 'list')).not.toBe('');
    } finally {
      await h.stop();
    }
  });

  test('auth.test runs once, at start-up in the background, and never before a listener', async () => {
    const h = await Harness.start();
    try {
      const answered = () => h.apiCalls('auth.test').filter((call) => call.response.ok);
      await waitUntil(
        () => (answered().length > 0 ? true : undefined),
        15_000,
        () => `the start-up auth.test; calls to it so far: ${h.apiCalls('auth.test').length}`,
      );
      expect(h.apiCalls('auth.test')).toHaveLength(1);

      expect(await h.ask(h.users.dev, 'help')).toContain(h.resourceId);
      const id = await h.requestAccess('read-only 10m acked without auth.test');
      expect(await h.clickAndReply(h.users.manager1, id, APPROVE_ACTION)).not.toBe('');
      await h.waitForApprovalMessage(id, 'active until');
      expect(h.apiCalls('auth.test')).toHaveLength(1);
    } finally {
      await h.stop();
    }
  });
});
