/** A grant's live sessions in its target, and their statements as prod-access may show them. */

/** One live session of a grant's identity, as the target shows it. */
export interface TargetSession {
  /**
   * The target's own id for it (a backend pid, a connection id, a client id), the same for as long as it
   * lives; with `startedAt` it names one session across reads (a PostgreSQL pid may be reused later).
   */
  id: string;
  /** When it connected; null where the target does not say (MySQL's processlist). */
  startedAt: Date | null;
  /** Where the client connects from, as the target names it (an address and port, `localhost`); null when it names none. */
  clientAddress: string | null;
  /** The name the client gave itself (psql, a driver's name), null when it gave none. */
  application: string | null;
  /** What it is doing, in the target's words (`active`, `idle in transaction`; `Query`, `Sleep`; `idle`, `blocked`). */
  state: string | null;
  /** What it runs now, or ran last where the target keeps that; always through `normalizeStatement`. */
  statement: string | null;
}

/** The most sessions one call lists: a grantee with more is shown these. */
export const SESSIONS_LISTED = 50;

/** How long a statement shown may be, cut with `…`. */
export const STATEMENT_MAX_LENGTH = 300;

/** Read no further than this: what lies beyond it would be cut anyway, and an unclosed literal there is blanked. */
const STATEMENT_READ_LENGTH = 10_000;

/**
 * Whose rules a statement is read by. PostgreSQL: `"…"` is a name, `$tag$…$tag$` a string, and a backslash
 * escapes in `E'…'` (elsewhere only with standard_conforming_strings off: see endOfString). MySQL/MariaDB: `"…"` is a string too, a backslash escapes in every string, and `#`
 * starts a comment.
 */
export type SqlDialect = 'postgres' | 'mysql';

type Token = { kind: 'space' | 'word' | 'literal' | 'param' | 'name' | 'other'; text: string };

/**
 * A statement as prod-access shows it: every literal (string, number, dollar-quoted body) replaced by a
 * numbered placeholder as `pg_stat_statements` does (`SELECT * FROM orders WHERE id = $1`), a list of them
 * after `IN` shown as one, comments dropped, white space collapsed, cut to `maxLength`. Statements can carry
 * data and passwords (`PASSWORD '…'`, `IDENTIFIED BY '…'`): only literals carry them, and none survives,
 * a literal left open by the target's own truncation included. Names and keywords stay.
 */
export function normalizeStatement(sql: string, dialect: SqlDialect, maxLength = STATEMENT_MAX_LENGTH): string {
  const tokens = tokenize(sql.slice(0, STATEMENT_READ_LENGTH), dialect);
  // Placeholders already in the statement keep their numbers; ours come after them.
  let next = Math.max(0, ...tokens.filter((t) => t.kind === 'param' && t.text.startsWith('$')).map((t) => Number(t.text.slice(1))));
  const text = collapseInLists(tokens)
    .map((token) => (token.kind === 'literal' ? token.text.replace('?', () => `$${++next}`) : token.text))
    .join('')
    .trim();
  return text.length > maxLength ? `${text.slice(0, maxLength - 1).trimEnd()}…` : text;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
// Sticky (`y`): each is tried where the reading stands (`at`), never on a copy of the rest.
const NUMBER = /0x[0-9A-Fa-f]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const PARAM = /\$\d+/y;
const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;

/** What `pattern` (sticky) matches right at `at`, or undefined. */
function matchAt(pattern: RegExp, sql: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(sql)?.[0];
}
/** What may stand right before a string and belongs to it: `E'…'`, `X'…'`, `B'…'`, `N'…'`, MySQL's `_utf8mb4'…'`. */
const STRING_PREFIX = /^(?:[EeXxBbNn]|_[A-Za-z0-9]+)$/;

/** A literal's token: its text is one `?`, numbered when the statement is put back together. */
const LITERAL: Token = { kind: 'literal', text: '?' };

function tokenize(sql: string, dialect: SqlDialect): Token[] {
  const tokens: Token[] = [];
  const space = () => {
    if (tokens.at(-1)?.kind !== 'space') tokens.push({ kind: 'space', text: ' ' });
  };
  let i = 0;
  while (i < sql.length) {
    const char = sql[i]!;
    const rest = sql.slice(i, i + 2);
    if (/\s/.test(char)) {
      space();
      i++;
    } else if (rest === '--' && (dialect === 'postgres' || /^--(?:\s|$)/.test(sql.slice(i, i + 3)))) {
      i = endOfLine(sql, i);
      space();
    } else if (char === '#' && dialect === 'mysql') {
      i = endOfLine(sql, i);
      space();
    } else if (rest === '/*') {
      i = endOfBlockComment(sql, i, dialect === 'postgres');
      space();
    } else if (char === "'" || (char === '"' && dialect === 'mysql')) {
      const previous = tokens.at(-1);
      const prefixed = previous?.kind === 'word' && STRING_PREFIX.test(previous.text);
      if (prefixed) tokens.pop();
      const escapes = dialect === 'mysql' || (prefixed && /^[Ee]$/.test(previous.text)) ? 'backslash' : 'guessing';
      i = endOfString(sql, i, char, escapes);
      tokens.push(LITERAL);
    } else if (char === '"' || char === '`') {
      const end = endOfName(sql, i, char);
      tokens.push({ kind: 'name', text: sql.slice(i, end) });
      i = end;
    } else if (char === '$' && dialect === 'postgres') {
      const param = matchAt(PARAM, sql, i);
      const tag = matchAt(DOLLAR_TAG, sql, i);
      if (param) {
        tokens.push({ kind: 'param', text: param });
        i += param.length;
      } else if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        i = close < 0 ? sql.length : close + tag.length;
        tokens.push(LITERAL);
      } else {
        tokens.push({ kind: 'other', text: char });
        i++;
      }
    } else if (/[0-9.]/.test(char) && matchAt(NUMBER, sql, i)) {
      i += matchAt(NUMBER, sql, i)!.length;
      tokens.push(LITERAL);
    } else if (WORD_START.test(char)) {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end++;
      tokens.push({ kind: 'word', text: sql.slice(i, end) });
      i = end;
    } else {
      tokens.push({ kind: char === '?' && dialect === 'mysql' ? 'param' : 'other', text: char });
      i++;
    }
  }
  return tokens;
}

function endOfLine(sql: string, from: number): number {
  const end = sql.indexOf('\n', from);
  return end < 0 ? sql.length : end + 1;
}

/** After a `/* … *\/` comment (PostgreSQL's nest); an unclosed one runs to the end. */
function endOfBlockComment(sql: string, from: number, nests: boolean): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    const pair = sql.slice(i, i + 2);
    if (pair === '/*' && (nests || depth === 0)) {
      depth++;
      i += 2;
    } else if (pair === '*/') {
      i += 2;
      if (--depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** After a quoted name opened at `from`: a doubled quote stays inside; an unclosed one runs to the end. */
function endOfName(sql: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < sql.length) {
    if (sql[i] !== quote) i++;
    else if (sql[i + 1] === quote) i += 2;
    else return i + 1;
  }
  return sql.length;
}

/**
 * After a string opened at `from`: a doubled quote stays inside, so does one after a backslash where
 * backslashes escape. In a PostgreSQL string other than `E'…'` they escape or not by the session's
 * standard_conforming_strings, which a session may turn off (`guessing`): a backslash right before a quote
 * then reads either way, so such a string is taken to run to the end, blanking too much rather than
 * showing a piece of it. MySQL is read with backslash escapes (unless NO_BACKSLASH_ESCAPES, rarely set),
 * as its drivers write `\'`.
 */
function endOfString(sql: string, from: number, quote: string, escapes: 'backslash' | 'guessing'): number {
  let i = from + 1;
  while (i < sql.length) {
    const char = sql[i]!;
    if (escapes === 'guessing' && char === '\\' && sql[i + 1] === quote) return sql.length;
    if (escapes === 'backslash' && char === '\\') i += 2;
    else if (char !== quote) i++;
    else if (sql[i + 1] === quote) i += 2;
    else return i + 1;
  }
  return sql.length;
}

/** `IN (1, 2, 3)` and `IN ($1, $2)` become `IN ($1, ...)`: how many values a list held says nothing of what it did. */
function collapseInLists(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    out.push(token);
    if (token.kind !== 'word' || token.text.toLowerCase() !== 'in') continue;
    let j = skipSpace(tokens, i + 1);
    if (tokens[j]?.text !== '(') continue;
    let values = 0;
    for (j = skipSpace(tokens, j + 1); ; j = skipSpace(tokens, j + 1)) {
      const value = tokens[j];
      if (value?.kind !== 'literal' && value?.kind !== 'param') break;
      values++;
      j = skipSpace(tokens, j + 1);
      if (tokens[j]?.text !== ',') break;
    }
    if (values < 2 || tokens[j]?.text !== ')') continue;
    out.push({ kind: 'space', text: ' ' }, { kind: 'other', text: '(' }, LITERAL, { kind: 'other', text: ', ...)' });
    i = j;
  }
  return out;
}

function skipSpace(tokens: Token[], from: number): number {
  let i = from;
  while (tokens[i]?.kind === 'space') i++;
  return i;
}
