import { z } from 'zod';
import { ProdAccessError } from './domain/errors';

const url = (protocols: string[], example: string) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `a ${protocols.join(' or ')} URL like ${example}`,
  );

const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: z.string().min(8, "the app's signing secret from Slack's Basic Information page"),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'an app-level token starting with xapp- (only for Socket Mode)')
    .optional(),
  SLACK_API_URL: url(['https:', 'http:'], 'https://slack.com/api/').default('https://slack.com/api/'),
  DATABASE_URL: url(['postgresql:', 'postgres:'], 'postgresql://user@host:5432/db').default(
    'postgresql://postgres@127.0.0.1:5432/prod_access',
  ),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').default('redis://127.0.0.1:6379'),
  /** Prefix of every BullMQ key, so several deployments (or test files) can share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, ":", "_" or "-"')
    .default('prod-access'),
  PROD_ACCESS_CATALOG: z.string().min(1, 'the path of the catalog file').default('catalog.example.yaml'),
  PORT: z.coerce.number({ error: 'a TCP port number' }).int('a whole number').min(0).max(65535, 'a TCP port number').default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How often the reconciler re-derives schedules from the database. */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number({ error: 'a number of seconds' }).int().min(1).default(30),
  /** At most this many new requests per user within the window below. */
  REQUEST_RATE_LIMIT: z.coerce.number({ error: 'a whole number' }).int().min(1).default(10),
  REQUEST_RATE_WINDOW_SECONDS: z.coerce.number({ error: 'a number of seconds' }).int().min(1).default(600),
  /** Concurrency of each worker. */
  WORKER_CONCURRENCY: z.coerce.number({ error: 'a whole number' }).int().min(1).max(100).default(4),
});

export type Config = z.infer<typeof configSchema>;

/** Reads every setting; a problem stops start-up with one line per variable naming what it expects. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseSettings(configSchema, env);
}

/** For commands that only read the database (`audit`): Slack settings are not needed there. */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): Pick<Config, 'DATABASE_URL'> {
  return parseSettings(configSchema.pick({ DATABASE_URL: true }), env);
}

function parseSettings<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  // An empty variable is treated as unset so `.env` templates with blanks fall back to defaults.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const missing = env[name] === undefined || env[name] === '';
    const expected = missing && issue.code === 'invalid_type' ? (EXPECTED_WHEN_MISSING[name] ?? 'a value') : issue.message;
    return `${name}: ${missing ? 'missing' : 'invalid'}; expected ${expected}`;
  });
  throw new ProdAccessError('CONFIG_INVALID', lines.join('\n'));
}

/** What to say when a required variable is absent (zod only knows it is not a string). */
const EXPECTED_WHEN_MISSING: Record<string, string> = {
  SLACK_BOT_TOKEN: 'a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)',
  SLACK_SIGNING_SECRET: "the app's signing secret (Basic Information page of your Slack app)",
};
