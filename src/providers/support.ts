import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ProdAccessError, ProviderError } from '../domain/errors';
import type { OpenPool, ProviderPools } from './pools';
import type { AccessInstructions } from './types';

/** Helpers every provider shares: secrets from the environment, temporary names, pooled admin connections. */

/** A setting that names an environment variable; the catalog never holds the secret itself. */
export const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be the NAME of an environment variable, not a URL');

export function readEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ProviderError('PROVIDER_ERROR', `The environment variable ${name} is not set.`);
  return value;
}

/** 32 URL-safe characters (192 bits): safe inside SQL literals, ACL rules and shells alike. */
export function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** Instructions a provider reads back from the target (a webhook's answer, a command's output). */
export const instructionsAnswer = z.object({
  lines: z.array(z.string().max(500)).max(20).optional(),
  oneTimeSecret: z.string().min(1).max(500).optional(),
});

/** The target's own lines (or a default naming the identity), always ending with the expiry. */
export function instructionsFrom(answer: z.infer<typeof instructionsAnswer>, identity: string, expiresAt: Date): AccessInstructions {
  const lines = answer.lines ?? [`Identity: ${identity}`];
  return { lines: [...lines, `Access ends at ${expiresAt.toISOString()}.`], oneTimeSecret: answer.oneTimeSecret };
}

/** JSON text from a target, or null when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  try {
    return text.trim() ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** A name from the target in code style, for a level's summary; a backtick in it cannot end the code early. */
export function code(name: string): string {
  return `\`${name.replace(/`/g, "'")}\``;
}

/** How many parts a level's summary lists before it counts the rest. */
const SUMMARY_PARTS = 8;

/** A level's summary from its parts ("SELECT on 14 tables in `public`"), a long list cut with how many more. */
export function summaryOf(parts: string[]): string {
  const shown = parts.slice(0, SUMMARY_PARTS).join('; ');
  const more = parts.length - SUMMARY_PARTS;
  return `${shown.charAt(0).toUpperCase()}${shown.slice(1)}${more > 0 ? `; and ${more} more` : ''}.`;
}

/** Room a temporary name's suffix needs: `_pa` and a request id of up to 10 digits. */
export const TEMPORARY_SUFFIX_LENGTH = 13;

/** Each grant gets a user of its own, so overlapping grants never share a password and revoke drops only its own. */
export function temporaryName(identity: string, requestId: number): string {
  return `${identity}_pa${requestId}`;
}

/** Whether a name in the target is one of the temporary ones prod-access makes. */
export function isTemporaryName(name: string): boolean {
  return /_pa\d+$/.test(name);
}

/** Opens a connection, runs the work and always closes it, even when the work failed. */
async function withConnection<C, T>(
  open: () => Promise<C>,
  close: (connection: C) => Promise<unknown>,
  work: (connection: C) => Promise<T>,
): Promise<T> {
  const connection = await open();
  try {
    return await work(connection);
  } finally {
    await close(connection);
  }
}

/**
 * After killing a user's connections: waits until `count` finds none left (a killed connection leaves the
 * target's list when its thread notices, not at once), and fails saying how many stayed.
 */
export async function untilConnectionsGone(count: () => Promise<number>, user: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let left = await count(); left > 0; left = await count()) {
    if (Date.now() >= deadline) {
      throw new ProviderError('PROVIDER_ERROR', `${left} connection(s) of ${user} still open ${timeoutMs / 1000} s after being killed.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The longest a read of a grant's sessions may take. */
export const SESSIONS_TIMEOUT_MS = 3000;

/**
 * Reads the sessions of `whose` within `timeoutMs` (the read may go on in the target, but nobody waits for
 * it); a failure or a slow target is a ProviderError saying whose sessions could not be read, and why. Our
 * own errors (an identity refused, the pools closed at shutdown) pass as they are.
 */
export async function readingSessions<T>(whose: string, read: () => Promise<T>, timeoutMs = SESSIONS_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([read(), timeout]);
  } catch (error) {
    if (error instanceof ProdAccessError) throw error;
    throw new ProviderError('PROVIDER_ERROR', `The sessions of ${whose} could not be read: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** How a provider reaches its target as an admin: a driver's pool, connect, close and a harmless call. */
export interface AdminDriver<C> {
  /** The calls' connections: a bounded pool for one URL (see ProviderPools). */
  pool: OpenPool<C>;
  /** One connection of its own, for validateConfig. */
  open(url: string): Promise<C>;
  close(connection: C): Promise<unknown>;
  /** Proves the URL and the credentials work (for validateConfig). */
  ping(connection: C): Promise<unknown>;
}

/** The settings of a provider kind that reaches its target through an admin URL. */
export interface AdminSettings {
  connectionEnv: string;
  /** The most connections to the admin URL at once; default PROVIDER_POOL_SIZE. */
  poolSize?: number;
}

/** A provider setting: the size of its admin URL's pool (the first resource to use a URL sets it). */
export const poolSize = z.number().int().min(1).max(100).optional();

/** A MySQL account (`'root'@'localhost'`), or any other quoted literal (a value, a password), closed or cut off. */
const QUOTED_LITERAL = /'[\w.%-]*'@'[\w.%:-]*'|'(?:[^'\\]|\\.|'')*(?:'|$)/g;
/** MySQL's syntax errors quote the rest of the statement, literals nested unescaped: `near 'BY 'pw'' at line 1`. */
const STATEMENT_NEAR = /near '[\s\S]*' at line (\d+)/g;

/** Accounts stay, as they say who was refused; every other literal is blanked. */
const blankLiteral = (literal: string) => (/^'[^']*'@'[^']*'$/.test(literal) ? literal : "'…'");

/**
 * A driver's error as it may be logged, stored and shown: the message with its quoted literals blanked, and
 * only the codes. The rest is dropped, stack and cause included: mysql2 attaches the failed statement (`sql`,
 * with `IDENTIFIED BY '<password>'`), pg a `detail` and `where` that can quote values, ioredis the command
 * with its arguments.
 */
export class DriverError extends Error {
  readonly code?: string;
  readonly errno?: number;
  readonly sqlState?: string;

  constructor(error: unknown) {
    const from = (error ?? {}) as { message?: unknown; code?: unknown; errno?: unknown; sqlState?: unknown };
    const message = typeof from.message === 'string' ? from.message : 'the driver failed';
    super(message.replace(STATEMENT_NEAR, "near '…' at line $1").replace(QUOTED_LITERAL, blankLiteral));
    this.name = 'DriverError';
    if (typeof from.code === 'string') this.code = from.code;
    if (typeof from.errno === 'number') this.errno = from.errno;
    if (typeof from.sqlState === 'string') this.sqlState = from.sqlState;
  }
}

/** Runs a provider's work on its target; what the driver throws leaves only as a DriverError. */
export async function scrubbingDriverErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof ProdAccessError ? error : new DriverError(error);
  }
}

/** One resource's admin connection: the URL from its `connectionEnv`, read at each call so rotation needs no restart. */
export interface AdminAccess<C> {
  url(): string;
  run<T>(work: (connection: C) => Promise<T>): Promise<T>;
}

/**
 * The parts of a provider kind that come from an admin URL named by `connectionEnv`. Calls run on the
 * process's pools; without them (validateConfig, `catalog validate --connect`, a provider built outside the
 * app) each call opens a connection of its own and closes it in `finally`.
 */
export function adminConnection<C>(driver: AdminDriver<C>) {
  const access = (settings: AdminSettings, env: NodeJS.ProcessEnv, pools?: ProviderPools): AdminAccess<C> => {
    const url = () => readEnv(env, settings.connectionEnv);
    const run = <T>(work: (connection: C) => Promise<T>): Promise<T> =>
      pools
        ? pools.run(driver.pool, { envName: settings.connectionEnv, url: url(), size: settings.poolSize }, work)
        : withConnection(() => driver.open(url()), driver.close, work);
    return { url, run: (work) => scrubbingDriverErrors(() => run(work)) };
  };
  return {
    access,
    requiredEnv: (settings: AdminSettings) => [settings.connectionEnv],
    /** Pings the admin URL, then runs `checkTargets` (does what the levels name exist?) on the same connection. */
    validateConfig: async (
      settings: AdminSettings,
      env: NodeJS.ProcessEnv,
      checkTargets: (connection: C) => Promise<void> = async () => undefined,
    ): Promise<void> => {
      await access(settings, env).run(async (connection) => {
        await driver.ping(connection);
        await checkTargets(connection);
      });
    },
  };
}

export interface Endpoint {
  host: string;
  port: string;
  database?: string;
  user: string;
}

/** The lines of an access DM: where to connect, as whom, how, and until when. */
export function connectionLines(endpoint: Endpoint, connect: string, expiresAt: Date): string[] {
  const database = endpoint.database ? `  Database: ${endpoint.database}` : '';
  return [
    `Host: ${endpoint.host}  Port: ${endpoint.port}${database}  User: ${endpoint.user}`,
    `Connect: ${connect}`,
    `Access ends at ${expiresAt.toISOString()}.`,
  ];
}

/** The parts of an admin connection URL that a requester needs (never its credentials). */
export function endpointOf(url: string, defaultPort: string, user: string): Endpoint {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port || defaultPort,
    database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
    user,
  };
}
