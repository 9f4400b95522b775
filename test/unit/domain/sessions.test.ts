import { normalizeStatement } from '../../../src/domain/sessions';

describe('statements as prod-access shows them', () => {
  test.each([
    ['SELECT * FROM orders WHERE id = 42', 'SELECT * FROM orders WHERE id = $1'],
    ["SELECT * FROM users WHERE email = 'ann@example.com' AND age > 3.5e2", 'SELECT * FROM users WHERE email = $1 AND age > $2'],
    ['SELECT .5, 0x1F, t1.c2 FROM t1', 'SELECT $1, $2, t1.c2 FROM t1'],
    ["UPDATE accounts SET note = 'it''s paid' WHERE id = 7", 'UPDATE accounts SET note = $1 WHERE id = $2'],
    [
      'SELECT * FROM orders WHERE id IN (1, 2, 3) AND state IN ( $1 , $2 )',
      'SELECT * FROM orders WHERE id IN ($3, ...) AND state IN ($4, ...)',
    ],
    ['SELECT * FROM t WHERE id IN (SELECT id FROM u) OR id IN (5)', 'SELECT * FROM t WHERE id IN (SELECT id FROM u) OR id IN ($1)'],
    ['SELECT a FROM t WHERE b = $1 AND c = 9', 'SELECT a FROM t WHERE b = $1 AND c = $2'],
    ['SELECT 1 -- the answer: 42\n, 2 /* a /* nested */ comment */ FROM t', 'SELECT $1 , $2 FROM t'],
    ['SELECT   a,\n\t b\n\nFROM t', 'SELECT a, b FROM t'],
    ['SELECT "Weird""Name", "col 1" FROM "Orders"', 'SELECT "Weird""Name", "col 1" FROM "Orders"'],
    ["SELECT $$it's a secret$$, $fn$ body $$ inside $fn$ FROM t", 'SELECT $1, $2 FROM t'],
    ["SELECT E'it\\'s a secret', 'plain' FROM t", 'SELECT $1, $2 FROM t'],
    // Whether `\'` ends the string is the session's standard_conforming_strings: the rest is blanked.
    ["SELECT 'C:\\', 'secret' FROM t", 'SELECT $1'],
    ["SELECT 'it\\'s a secret' FROM t", 'SELECT $1'],
    ["SELECT 'a\\b', 'c' FROM t", 'SELECT $1, $2 FROM t'],
    ["SELECT X'0F', B'1010', N'x', U&'d\\0061t' FROM t", 'SELECT $1, $2, $3, U&$4 FROM t'],
    ["ALTER ROLE ann PASSWORD 'hunter2'", 'ALTER ROLE ann PASSWORD $1'],
    ["SELECT * FROM t WHERE secret = 'cut off by the targ", 'SELECT * FROM t WHERE secret = $1'],
    ['SELECT 1 /* an unclosed comment with 42', 'SELECT $1'],
    ['SELECT a$b, price FROM t WHERE x = 1', 'SELECT a$b, price FROM t WHERE x = $1'],
  ])('PostgreSQL: %j', (sql, shown) => {
    expect(normalizeStatement(sql, 'postgres')).toBe(shown);
  });

  test.each([
    ["SELECT * FROM t WHERE a = 'it\\'s' AND b = \"quoted\" AND c = ?", 'SELECT * FROM t WHERE a = $1 AND b = $2 AND c = ?'],
    ["SELECT 'a\\\\', 'b' FROM t", 'SELECT $1, $2 FROM t'],
    ["CREATE USER ann IDENTIFIED BY 'hunter2'", 'CREATE USER ann IDENTIFIED BY $1'],
    ["SELECT `col`, _utf8mb4'x' FROM `t` # the rest 42\nWHERE id = 3", 'SELECT `col`, $1 FROM `t` WHERE id = $2'],
    ['SELECT 1 -- comment\n, 5--3', 'SELECT $1 , $2--$3'],
    ['SELECT SLEEP(1), n FROM numbers WHERE n IN (7,8)', 'SELECT SLEEP($1), n FROM numbers WHERE n IN ($2, ...)'],
  ])('MySQL: %j', (sql, shown) => {
    expect(normalizeStatement(sql, 'mysql')).toBe(shown);
  });

  test('a long statement is cut to the length asked, with an ellipsis', () => {
    const shown = normalizeStatement(`SELECT ${Array.from({ length: 200 }, (_, i) => `column_${i}`).join(', ')} FROM t`, 'postgres', 40);
    expect(shown).toHaveLength(40);
    expect(shown).toMatch(/^SELECT column_0, column_1, column_2, co…$/);
  });

  test('no literal survives, whatever the statement', () => {
    const secrets = ["'s3cr3t'", '$q$s3cr3t$q$', "E's3cr3t\\''", "'s3cr3t", '"s3cr3t"'];
    for (const secret of secrets) {
      for (const dialect of ['postgres', 'mysql'] as const) {
        const sql = `INSERT INTO t VALUES (${secret})`;
        // A name in PostgreSQL; MySQL has no dollar quotes.
        if (dialect === 'postgres' ? secret.startsWith('"') : secret.startsWith('$')) continue;
        expect(normalizeStatement(sql, dialect)).not.toContain('s3cr3t');
      }
    }
    // Read either way by PostgreSQL, as standard_conforming_strings is on or off.
    for (const values of ["'x\\', 's3cr3t'", "'it\\'s s3cr3t'"]) {
      expect(normalizeStatement(`INSERT INTO t VALUES (${values})`, 'postgres')).not.toContain('s3cr3t');
    }
  });
});
