import { readFileSync } from 'node:fs';
import path from 'node:path';

const README = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
const SECTION = README.indexOf('\n## Guarantees');
const TABLE = README.slice(SECTION, README.indexOf('\n## ', SECTION + 1));

/** The promises of README.md's "Guarantees" table, by number, as the table words them. */
const PROMISES = new Map([...TABLE.matchAll(/^\| (\d+) \| ([^|]+) \|/gm)].map(([, n, promise]) => [Number(n), promise!.trim()]));

/**
 * The title of a `describe` whose tests prove guarantee `n`, worded as README.md's table words it, so each
 * end-to-end test says what it proves and `jest -t 'guarantee 3:'` runs the tests of one guarantee.
 */
export function guarantee(n: number): string {
  const promise = PROMISES.get(n);
  if (!promise) throw new Error(`README.md's Guarantees table has no row ${n}`);
  return `guarantee ${n}: ${promise}`;
}
