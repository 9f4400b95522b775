import { z } from 'zod';
import { plainIssues } from '../../../src/shared/plain-issues';

const messages = plainIssues((expected) => `must be ${expected}`);
const messageOf = (schema: z.ZodType, value: unknown) => schema.safeParse(value, { error: messages }).error?.issues.map((i) => i.message);

describe("zod's own messages in plain words", () => {
  test.each<[string, z.ZodType, unknown, string]>([
    ['a choice', z.enum(['web', 'worker', 'all']), 'both', 'must be one of web, worker or all'],
    ['a single allowed value', z.literal('postgres'), 'mysql', 'must be postgres'],
    ['a type', z.string(), 5, 'must be text'],
    ['a whole number', z.number().int(), 1.5, 'must be a whole number'],
    ['a lower bound', z.number().min(1), 0, 'must be at least 1'],
    ['an upper bound', z.number().max(100), 101, 'must be at most 100'],
    ['a short text', z.string().min(8), 'abc', 'must be at least 8 characters'],
    ['a long list', z.array(z.string()).max(1), ['a', 'b'], 'must be at most 1 item'],
    ['a pattern', z.string().regex(/^x/), 'y', 'must be text matching /^x/'],
    ['a format', z.url(), 'not a url', 'must be a valid url'],
    ['a missing field', z.object({ name: z.string() }), {}, 'missing'],
    ['an unknown field', z.strictObject({}), { extra: 1, other: 2 }, 'unknown fields "extra", "other"'],
  ])('%s', (_what, schema, value, message) => {
    const said = messageOf(schema, value);
    expect(said).toEqual([message]);
    expect(said?.[0]).not.toMatch(/Invalid|expected|received/);
  });

  test("a schema's own message wins", () => {
    expect(messageOf(z.string().regex(/^xoxb-/, 'a bot token starting with xoxb-'), 'nope')).toEqual(['a bot token starting with xoxb-']);
  });
});
