import { Writable } from 'node:stream';
import { createLogger } from '../../src/shared/logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'info', pretty: false, destination }), output: () => lines.join('') };
}

describe('secrets never reach the logs', () => {
  const token = 'xoxb-1234567890-abcdefSECRET';

  test('secret fields are redacted wherever they are nested', () => {
    const { logger, output } = capture();
    logger.info(
      {
        token,
        config: { SLACK_SIGNING_SECRET: 'env-s3cr3t', signingSecret: 'sign-s3cr3t', password: 'pw-s3cr3t', AUDIT_HMAC_KEY: 'key-s3cr3t' },
        deep: { a: { password: 'deep-s3cr3t' } },
      },
      'started',
    );
    expect(output()).not.toMatch(/s3cr3t/);
    expect(output()).toContain('[REDACTED]');
  });

  test('a token or a URL password inside a message or an error is scrubbed', () => {
    const { logger, output } = capture();
    logger.error(
      { err: new Error(`connect failed for postgresql://admin:hunter2@db:5432/x with ${token}`) },
      `calling Slack with ${token}`,
    );
    expect(output()).not.toContain('hunter2');
    expect(output()).not.toContain('abcdefSECRET');
    expect(output()).toContain('postgresql://admin:[REDACTED]@db:5432/x');
  });

  test.each([
    ["CREATE USER 'bob_pa1'@'%' IDENTIFIED BY 'Pw-s3cr3t''quoted'"],
    ["ALTER ROLE bob_pa1 WITH LOGIN PASSWORD 'Pw-s3cr3t' VALID UNTIL '2026-12-01'"],
    ["CREATE USER x IDENTIFIED VIA ed25519 USING PASSWORD('Pw-s3cr3t')"],
    ['SET PASSWORD FOR x = "Pw-s3cr3t"'],
    ["CREATE USER x IDENTIFIED BY 'Pw-s3cr3t-cut-off-where-the-message-end"],
  ])('a SQL password in any string is redacted: %s', (statement) => {
    const { logger, output } = capture();
    const driverError = Object.assign(new Error('Access denied'), { sql: statement, sqlMessage: statement });
    logger.warn({ err: driverError, note: statement }, `failed: ${statement}`);
    expect(output()).not.toContain('s3cr3t');
    expect(output()).toContain('[REDACTED]');
  });
});

test('each line names its level in words, for searches and alert rules', () => {
  const { logger, output } = capture();
  logger.warn('disk almost full');
  logger.error('disk full');
  expect(
    output()
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { level: unknown }).level),
  ).toEqual(['warn', 'error']);
});
