import pino, { type Logger } from 'pino';

/** Keys whose values are secrets wherever they appear in a log object. */
const SECRET_KEYS = [
  'token',
  'botToken',
  'signingSecret',
  'secret',
  'password',
  'oneTimeSecret',
  'authorization',
  'cookie',
  'connectionString',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'AUDIT_HMAC_KEY',
];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'headers.authorization',
  'headers["x-slack-signature"]',
];

/** A quoted SQL literal, closed or cut off where a message was truncated. */
const SQL_LITERAL = String.raw`(?:'(?:[^'\\]|\\.|'')*(?:'|$)|"(?:[^"\\]|\\.)*(?:"|$))`;

/**
 * Secrets wherever they show up in text: Slack tokens, credentials inside connection strings, and the
 * passwords of SQL statements (`PASSWORD '…'`, `IDENTIFIED BY '…'`), which drivers put in their errors.
 */
const SECRET_IN_TEXT: [RegExp, string][] = [
  [/xox[abposr]-[A-Za-z0-9-]+/g, '[REDACTED]'],
  [/xapp-[A-Za-z0-9-]+/g, '[REDACTED]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi, '$1[REDACTED]@'],
  [
    new RegExp(
      String.raw`\b(PASSWORD(?:\s+FOR\s+\S+)?|IDENTIFIED(?:\s+(?:WITH|VIA)\s+\S+)?\s+(?:BY|USING|AS))(\s*=?\s*\(?\s*)${SQL_LITERAL}`,
      'gi',
    ),
    '$1$2[REDACTED]',
  ],
];

export function scrubSecrets(text: string): string {
  return SECRET_IN_TEXT.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** Scrubs every string in a log object; errors are serialized first so their message and stack are scrubbed too. */
function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value instanceof Error) return scrubDeep(pino.stdSerializers.err(value), depth);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, depth + 1)]));
}

export interface LoggerOptions {
  level: string;
  pretty: boolean;
  destination?: pino.DestinationStream;
  /**
   * Stdout written in the background (production): a log line never waits for the pipe. What is still
   * buffered is written at exit, and `flushLogs` writes it out at shutdown.
   */
  asyncWrites?: boolean;
}

export function createLogger({ level, pretty, destination, asyncWrites = false }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'prod-access' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    formatters: {
      // "warn", not 40: a log search or an alert rule reads the word.
      level: (label) => ({ level: label }),
      // Redaction by key misses secrets embedded in messages and error texts (a URL in a driver error).
      log: (object) => scrubDeep(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  if (destination) return pino(options, destination);
  if (asyncWrites) return pino(options, pino.destination({ dest: 1, sync: false }));
  if (pretty && prettyPrinterInstalled()) return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(options);
}

/** Resolves once every line logged so far has been written. */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

/** pino-pretty is a dev dependency: where it was pruned (the image), logs stay JSON instead of crashing. */
function prettyPrinterInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export type { Logger };
