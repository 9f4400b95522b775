import { Writable } from 'node:stream';
import { createLogger } from '../../src/shared/logger';

/** A logger that writes nothing, for code under test whose lines the test does not read. */
export const silentLogger = createLogger({ level: 'silent', pretty: false });

/** A logger at info whose lines the test reads back, each parsed from the JSON pino wrote. */
export function capturingLogger() {
  const written: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void written.push(chunk.toString())) });
  return {
    logger: createLogger({ level: 'info', pretty: false, destination }),
    text: () => written.join(''),
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
