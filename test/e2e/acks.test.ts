import { guarantee } from '../support/guarantees';
import { grantAccess, useHarness, waitUntil } from '../support/harness';

/** Slack wants every request acknowledged within 3 s: nothing on that path may wait for Slack itself. */
describe(guarantee(13), () => {
  describe("with Slack's Web API unreachable", () => {
    const h = useHarness({ role: 'web', env: { SLACK_API_URL: 'http://127.0.0.1:1/api/' } });

    test('the web role comes up and answers commands: help lists the commands and the catalog', async () => {
      // Replies go to the command's response_url, which is not the Web API, so they still arrive.
      const help = await h.ask(h.users.dev, 'help');
      expect(help).toContain('/prod-access request <resource> <level> <duration> <reason…>');
      expect(help).toContain('`orders-db` Orders database: read-only (max 1h), write (max 30m)');
      expect(await h.ask(h.users.dev, 'list')).not.toBe('');
    });
  });

  describe('with Slack up', () => {
    const h = useHarness();

    test('auth.test runs once, at start-up in the background, and never before a listener', async () => {
      const answered = () => h.apiCalls('auth.test').filter((call) => call.response.ok);
      await waitUntil(
        () => (answered().length > 0 ? true : undefined),
        15_000,
        () => `the start-up auth.test; calls to it so far: ${h.apiCalls('auth.test').length}`,
      );
      expect(h.apiCalls('auth.test')).toHaveLength(1);

      expect(await h.ask(h.users.dev, 'help')).toContain(h.resourceId);
      await grantAccess(h, { reason: 'acked without auth.test' });
      expect(h.apiCalls('auth.test')).toHaveLength(1);
    });
  });
});
