import type { z } from 'zod';

type Issue = z.core.$ZodRawIssue;

/** "a", "a or b", "a, b or c". */
function alternatives(values: readonly unknown[]): string {
  const words = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return words.length <= 1 ? (words[0] ?? 'nothing') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

const KINDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of fields',
  date: 'a date',
};

/** How much of what a bound counts: "5 characters", "1 item", or the number alone. */
function amount(origin: string, bound: number | bigint): string {
  const unit = origin === 'string' ? 'character' : origin === 'array' || origin === 'set' ? 'item' : undefined;
  return unit ? `${bound} ${unit}${Number(bound) === 1 ? '' : 's'}` : String(bound);
}

/** What the value should have been, as a noun phrase ("one of web or worker", "at least 1"). */
function expectation(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return KINDS[issue.expected] ?? issue.expected;
    case 'invalid_value':
      return issue.values.length === 1 ? alternatives(issue.values) : `one of ${alternatives(issue.values)}`;
    case 'too_small':
      return issue.exact
        ? `exactly ${amount(issue.origin, issue.minimum)}`
        : `${issue.inclusive === false ? 'more than' : 'at least'} ${amount(issue.origin, issue.minimum)}`;
    case 'too_big':
      return issue.exact
        ? `exactly ${amount(issue.origin, issue.maximum)}`
        : `${issue.inclusive === false ? 'less than' : 'at most'} ${amount(issue.origin, issue.maximum)}`;
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern ? `text matching ${issue.pattern}` : `a valid ${issue.format}`;
    case 'not_multiple_of':
      return `a multiple of ${issue.divisor}`;
    case 'invalid_union':
      return 'one of the allowed forms';
    default:
      return undefined;
  }
}

/**
 * An error map for `safeParse(value, { error })` that words zod's own messages plainly ("expected one of
 * development or production", not "Invalid option: expected one of …"); a schema's own message still wins.
 * `phrase` turns what the value should be into the caller's sentence.
 */
export function plainIssues(phrase: (expected: string) => string): z.core.$ZodErrorMap {
  return (issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) return 'missing';
    const expected = expectation(issue);
    return expected === undefined ? undefined : phrase(expected);
  };
}
