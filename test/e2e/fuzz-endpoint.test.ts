import fc from 'fast-check';
import { REQUEST_FIELDS } from '../../src/slack/render/request-modal';
import { guarantee } from '../support/guarantees';
import { useHarness } from '../support/harness';

/** Hostile text through the real endpoint: every answer is a clear message, and nothing invalid is stored. */
describe(guarantee(9), () => {
  const h = useHarness({ env: { REQUEST_RATE_LIMIT: '1000' } });

  const hostile = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom("orders-db'; DROP TABLE access_requests; --", '\u0000\u001b[2J', 'a'.repeat(3000), '<!channel> <@U0>', 'read-only'),
  );

  test('slash commands with hostile text get an ephemeral reply and store nothing invalid', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('', 'request ', 'request orders-db ', 'request orders-db read-only 10m ', 'revoke '),
        hostile,
        async (prefix, text) => {
          const before = await h.requestsOf(h.users.dev);
          const reply = await h.ask(h.users.dev, `${prefix}${text}`.trim() || 'help');
          expect(reply.length).toBeGreaterThan(0);
          const after = await h.requestsOf(h.users.dev);
          for (const created of after.slice(before.length)) {
            expect(created.resourceId).toBe(h.resourceId);
            expect(created.reason.trim()).not.toBe('');
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  test('modal submissions with hostile values come back as field errors or a stored valid request', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, hostile, async (level, duration, reason, ticket) => {
        const answer = await h.submitRequest(h.users.dev, { resource: h.resourceId, level, duration, reason, ticket }, '{}');
        expect(answer.status).toBe(200);
        const json = answer.json as { response_action?: string; errors?: Record<string, string> } | undefined;
        if (json?.response_action === 'errors') {
          expect(Object.keys(json.errors!).every((field) => Object.values(REQUEST_FIELDS).includes(field as never))).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });
});
