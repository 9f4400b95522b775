import { statSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { MIN_KEY_LENGTH } from '../db/audit-chain';
import { StartupError } from '../domain/errors';
import { plainIssues } from '../shared/plain-issues';

/**
 * Settings come from the environment, then `.env`; outside production `.env.example` fills in what is
 * still unset, so a development machine needs only the Slack secrets. Set variables always win.
 */
export function loadEnvFiles(): void {
  loadDotenv({ quiet: true });
  if (process.env.NODE_ENV !== 'production') loadDotenv({ path: '.env.example', quiet: true });
}

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

/** `host:port`, the host a name, an IPv4 address or an IPv6 one in brackets. */
const SENTINEL_ADDRESS = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

const portNumber = z.coerce.number({ error: 'a TCP port number' }).int('a whole number').min(0).max(65535, 'a TCP port number');
const port = (fallback: number) => portNumber.default(fallback);

/** A whole number from 1 up; `error` says what a value that is not a number should have been (bounds say their own). */
const positiveWhole = (error: string) =>
  z.coerce
    .number({ error: (issue) => (issue.code === 'invalid_type' && issue.expected === 'number' ? error : undefined) })
    .int()
    .min(1);
const seconds = (fallback: number) => positiveWhole('a number of seconds').default(fallback);

/** Checked here so a catalog that was not mounted is one line at start-up, like any other setting. */
const catalogFile = z.string().refine(
  (file) => {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  },
  { error: (issue) => `the path of a catalog file; no file at ${String(issue.input)} (in a container: mount your catalog there)` },
);

/** Every setting; a tool that shares some of them picks its own from here, so each is checked one way. */
export const configSchema = z.object({
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
  /**
   * Prefix of every BullMQ key, so several deployments (or test files) can share one Redis. One `{…}` hash
   * tag in it (`{prod-access}`) puts every key in one slot, as BullMQ needs on Redis Cluster.
   */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]*(\{[A-Za-z0-9:_-]+\})?[A-Za-z0-9:_-]*$/, 'letters, digits, ":", "_" or "-", and at most one {hash tag}')
    .default('prod-access'),
  /** With Sentinel: the Sentinels, which name the master every connection goes to (REDIS_URL's host and port are then unused). */
  REDIS_SENTINELS: z
    .string()
    .transform((list, ctx) => {
      const sentinels = list.split(',').map((entry) => SENTINEL_ADDRESS.exec(entry.trim()));
      if (sentinels.every((match) => match && Number(match[2]) <= 65535)) {
        return sentinels.map((match) => ({ host: match![1]!.replace(/^\[|\]$/g, ''), port: Number(match![2]) }));
      }
      ctx.addIssue({ code: 'custom', message: 'host:port pairs separated by commas, e.g. sentinel-1:26379,sentinel-2:26379' });
      return z.NEVER;
    })
    .optional(),
  /** The master's name in the Sentinels' configuration (`sentinel monitor <name> …`). */
  REDIS_SENTINEL_NAME: z.string().regex(/^\S+$/, 'a name without spaces').default('mymaster'),
  /** The Sentinels' own password (their `requirepass`), when they have one; the master's is REDIS_URL's. */
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  /** Outside production the example catalog, for trying prod-access from source; production names its own. */
  PROD_ACCESS_CATALOG: catalogFile.default('catalog.example.yaml'),
  PORT: port(3000),
  /** The port of /healthz and /readyz in every role; unset means PORT, where the web role shares its own server. */
  OPS_PORT: portNumber.optional(),
  /** The address the web role and the ops port listen on; unset means every interface. */
  LISTEN_HOST: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How often the reconciler re-derives schedules from the database. */
  RECONCILE_INTERVAL_SECONDS: seconds(30),
  /** A revoke failing this long gets an alert line in the audit channel, repeated as often until it ends. */
  REVOKE_FAILED_ALERT_SECONDS: seconds(900),
  /** How often targets are read for access no live grant covers. */
  DRIFT_CHECK_INTERVAL_SECONDS: seconds(3600),
  /** How often pending requests are looked through for reminders and escalations owed (each goes at most this late). */
  REMINDER_SWEEP_INTERVAL_SECONDS: seconds(60),
  /** How often the sessions of grants on idle-bound levels are read (an idle grant ends at most this late). */
  SESSION_SAMPLE_INTERVAL_SECONDS: seconds(30),
  /** At most this many new requests per user within the window below. */
  REQUEST_RATE_LIMIT: positiveWhole('a whole number').default(10),
  REQUEST_RATE_WINDOW_SECONDS: seconds(600),
  /** At most this many break-glass grants per user within the window below: stricter, since nobody approves them. */
  BREAK_GLASS_RATE_LIMIT: positiveWhole('a whole number').default(2),
  BREAK_GLASS_RATE_WINDOW_SECONDS: seconds(86_400),
  /** How long a worker holds a job's lock; a worker that dies loses its jobs to another after this. */
  JOB_LOCK_SECONDS: seconds(30),
  /** Jobs a worker process runs at once on each queue (revoke, access, notify, audit). */
  WORKER_CONCURRENCY: positiveWhole('a whole number').max(100).default(4),
  /**
   * Admin connections to one provider URL at once (a resource's `poolSize` overrides it): the revoke and the
   * access queues' jobs at once, so a burst of grants never makes a revoke wait for a connection.
   */
  PROVIDER_POOL_SIZE: positiveWhole('a whole number').max(100).default(8),
  /** A provider URL's pool unused this long is closed; the next call opens another. */
  PROVIDER_POOL_IDLE_SECONDS: seconds(10),
  /** The key of the audit chain's HMAC; the database never sees it. Required in production. */
  AUDIT_HMAC_KEY: z.string().min(MIN_KEY_LENGTH, `at least ${MIN_KEY_LENGTH} characters, e.g. openssl rand -hex 32`).optional(),
  /** How often the audit chain's head is posted in the audit channel. */
  AUDIT_ANCHOR_INTERVAL_SECONDS: seconds(3600),
  /** The access digest's window, posted in the audit channel after each one ends (weekly, Monday to Monday UTC); 0: no digest. */
  ACCESS_DIGEST_INTERVAL_SECONDS: z.coerce
    .number({ error: 'a number of seconds, or 0 for none' })
    .int()
    .min(0)
    .default(7 * 86_400),
});

export type Config = z.infer<typeof configSchema>;

/**
 * Outside production an unset AUDIT_HMAC_KEY means this key, public and the same everywhere, so a
 * development database verifies from any checkout; production refuses it.
 */
export const DEVELOPMENT_AUDIT_KEY = 'prod-access-development-audit-key-not-secret';

/** The audit key must be set in production, and must not be the public development key there. */
function requireAuditKeyInProduction(config: Pick<Config, 'NODE_ENV' | 'AUDIT_HMAC_KEY'>, ctx: z.RefinementCtx): void {
  if (config.NODE_ENV !== 'production' || (config.AUDIT_HMAC_KEY && config.AUDIT_HMAC_KEY !== DEVELOPMENT_AUDIT_KEY)) return;
  ctx.addIssue({
    code: 'custom',
    path: ['AUDIT_HMAC_KEY'],
    message: config.AUDIT_HMAC_KEY
      ? 'a secret of your own, not the public development key'
      : 'a secret of at least 32 characters, e.g. openssl rand -hex 32',
  });
}

/** The key the audit chain is written and verified with. */
export function auditKeyOf(config: Pick<Config, 'AUDIT_HMAC_KEY'>): string {
  return config.AUDIT_HMAC_KEY ?? DEVELOPMENT_AUDIT_KEY;
}

/** Production has no default catalog: the example is not a deployment's, and the image does not ship it. */
const productionSchema = configSchema.extend({ PROD_ACCESS_CATALOG: catalogFile });

/** Reads every setting; a problem stops start-up with one line per variable naming what it expects. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseSettings((env.NODE_ENV === 'production' ? productionSchema : configSchema).superRefine(requireAuditKeyInProduction), env);
}

/** For commands that only read the database (`audit`): Slack settings are not needed there. */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): Pick<Config, 'DATABASE_URL'> {
  return parseSettings(configSchema.pick({ DATABASE_URL: true }), env);
}

/** For `report`: the database it reads and the catalog whose working hours it applies. */
export function loadReportConfig(env: NodeJS.ProcessEnv = process.env): Pick<Config, 'DATABASE_URL' | 'PROD_ACCESS_CATALOG'> {
  const schema = env.NODE_ENV === 'production' ? productionSchema : configSchema;
  return parseSettings(schema.pick({ DATABASE_URL: true, PROD_ACCESS_CATALOG: true }), env);
}

/** What a command that writes the audit chain and queues its announcements needs: the database, the key, Redis. */
const AUDIT_SETTINGS = {
  DATABASE_URL: true,
  NODE_ENV: true,
  AUDIT_HMAC_KEY: true,
  REDIS_URL: true,
  REDIS_PREFIX: true,
  REDIS_SENTINELS: true,
  REDIS_SENTINEL_NAME: true,
  REDIS_SENTINEL_PASSWORD: true,
} as const;

/** For commands that verify or extend the audit chain (`audit verify`, `audit anchor`): they need its key (and anchor, Redis). */
export function loadAuditConfig(
  env: NodeJS.ProcessEnv = process.env,
): Pick<
  Config,
  | 'DATABASE_URL'
  | 'NODE_ENV'
  | 'AUDIT_HMAC_KEY'
  | 'REDIS_URL'
  | 'REDIS_PREFIX'
  | 'REDIS_SENTINELS'
  | 'REDIS_SENTINEL_NAME'
  | 'REDIS_SENTINEL_PASSWORD'
> {
  const schema = configSchema.pick(AUDIT_SETTINGS);
  return parseSettings(schema.superRefine(requireAuditKeyInProduction), env);
}

/** For `request resolve`: the audit chain it extends, the catalog whose target it reads back, and Redis for the announcements. */
export function loadResolveConfig(
  env: NodeJS.ProcessEnv = process.env,
): ReturnType<typeof loadAuditConfig> & Pick<Config, 'PROD_ACCESS_CATALOG'> {
  const schema = (env.NODE_ENV === 'production' ? productionSchema : configSchema).pick({ ...AUDIT_SETTINGS, PROD_ACCESS_CATALOG: true });
  return parseSettings(schema.superRefine(requireAuditKeyInProduction), env);
}

/** Each problem reads "NAME: invalid; expected <this>". */
const SETTING_MESSAGES = plainIssues((expected) => expected);

/** Parses settings with `schema`; a problem throws CONFIG_INVALID with one line per variable. */
export function parseSettings<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  // An empty variable is treated as unset so `.env` templates with blanks fall back to defaults.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present, { error: SETTING_MESSAGES });
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const missing = env[name] === undefined || env[name] === '';
    const expected = missing && issue.code === 'invalid_type' ? (EXPECTED_WHEN_MISSING[name] ?? 'a value') : issue.message;
    return `${name}: ${missing ? 'missing' : 'invalid'}; expected ${expected}`;
  });
  throw new StartupError('CONFIG_INVALID', lines.join('\n'));
}

/** What to say when a required variable is absent (zod only knows it is not a string). */
const EXPECTED_WHEN_MISSING: Record<string, string> = {
  SLACK_BOT_TOKEN: 'a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)',
  SLACK_SIGNING_SECRET: "the app's signing secret (Basic Information page of your Slack app)",
  PROD_ACCESS_CATALOG: 'the path of your catalog file (production has no default; in a container: mount it)',
};
