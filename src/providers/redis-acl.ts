import { Redis } from 'ioredis';
import { z } from 'zod';
import { PermanentError } from '../domain/errors';
import { SESSIONS_LISTED, type TargetSession } from '../domain/sessions';
import {
  type AdminAccess,
  adminConnection,
  connectionLines,
  endpointOf,
  envName,
  randomPassword,
  TEMPORARY_SUFFIX_LENGTH,
  temporaryName,
  untilConnectionsGone,
} from './support';
import { type AccessInstructions, type AccessProvider, defineProviderKind, type GrantSpec } from './types';

/** ACL user names cannot hold spaces; this keeps them to characters no client or log misreads. */
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;

/**
 * ACL rules a level may give: commands and categories (`+@read`, `-flushall`, `+config|get`), key and
 * channel patterns (`~cache:*`, `%R~logs:*`, `&events:*`) and their all/none forms. Rules that touch the
 * user's state or passwords (`on`, `off`, `>…`, `nopass`, `reset…`) belong to the provider.
 */
const ACL_RULE =
  /^(?:[+-]@[a-z_-]+|[+-][a-z][a-z0-9_-]*(?:\|[a-z][a-z0-9_-]*)?|(?:%(?:R|W|RW))?~[^\s]+|&[^\s]+|allkeys|allchannels|allcommands|nocommands|resetkeys|resetchannels)$/;

const settingsSchema = z.strictObject({
  /** Name of the environment variable that holds an admin connection URL, like redis://admin:…@cache:6379. */
  connectionEnv: envName,
});

const targetSchema = z.strictObject({
  rules: z
    .array(
      z
        .string()
        .regex(ACL_RULE, 'must be an ACL rule like +@read, -@dangerous, ~cache:* or &events:*; state and password rules are not allowed'),
    )
    .min(1),
});
type Target = z.infer<typeof targetSchema>;

/** An admin connection; errors after it is up go to `onError`. */
async function openAdmin(url: string, onError: (error: unknown) => void = () => undefined): Promise<Redis> {
  // One try, no reconnects: a job that cannot reach Redis fails now and the queue retries it.
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // connect() only says "Connection is closed"; the error event says why (ECONNREFUSED, WRONGPASS…).
  let cause: Error | undefined;
  let connected = false;
  redis.on('error', (e: Error) => (connected ? onError(e) : (cause ??= e)));
  await redis.connect().catch((e: Error) => {
    throw cause ?? e;
  });
  connected = true;
  return redis;
}

const admin = adminConnection<Redis>({
  /**
   * The "pool" is one connection per URL, shared by every call: Redis runs one command at a time, ioredis
   * pipelines concurrent calls' commands over one connection, and no call keeps state on it (no MULTI,
   * WATCH or SELECT), so more connections would add round trips to open them and nothing else. One that
   * died (a restart, CLIENT KILL) is replaced at the next call.
   */
  pool: (url, { onError }) => {
    let shared: Promise<Redis> | undefined;
    let opened: Redis | undefined;
    const current = (): Promise<Redis> => {
      // Still opening, or up: every call shares it.
      if (shared && (opened === undefined || opened.status === 'ready')) return shared;
      opened?.disconnect();
      opened = undefined;
      const opening = openAdmin(url, onError).then(
        (redis) => (opened = redis),
        (error: unknown) => {
          // A failed open is not kept: the next call tries again.
          if (shared === opening) shared = undefined;
          throw error;
        },
      );
      shared = opening;
      return opening;
    };
    return {
      acquire: async () => ({ connection: await current(), release: () => undefined }),
      end: async () => {
        const redis = await shared?.catch(() => undefined);
        await redis?.quit().catch(() => redis.disconnect());
      },
    };
  },
  open: (url) => openAdmin(url),
  close: async (redis) => redis.disconnect(),
  ping: (redis) => redis.call('ACL', 'WHOAMI'),
});

export const redisAclProvider = defineProviderKind({
  kind: 'redis-acl',
  settingsSchema,
  targetSchema,
  identityPattern: `^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,${63 - TEMPORARY_SUFFIX_LENGTH}}$`,
  requiredEnv: admin.requiredEnv,
  // A level's rules are ACL text, checked by Redis only when applied.
  validateConfig: (settings, env) => admin.validateConfig(settings, env),
  create: (settings, env, context) => new RedisAclProvider(admin.access(settings, env, context.pools)),
});

/** A temporary ACL user with a one-time password and the level's rules; deleted, with its connections, at revoke. */
class RedisAclProvider implements AccessProvider<Target> {
  constructor(private readonly admin: AdminAccess<Redis>) {}

  async grant(spec: GrantSpec<Target>): Promise<AccessInstructions> {
    const user = userName(spec);
    const password = randomPassword();
    await this.admin.run(async (redis) => {
      // `reset` first: a retried grant replaces the password and rules instead of adding to them.
      await redis.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, ...spec.target.rules).catch((e: Error) => {
        throw new PermanentError('TARGET_REJECTED', `Redis refused the ACL rules of ${spec.levelId}: ${e.message}`);
      });
    });
    const endpoint = endpointOf(this.admin.url(), '6379', user);
    const connect = `redis-cli -h ${endpoint.host} -p ${endpoint.port} --user ${user} --askpass`;
    return { lines: connectionLines(endpoint, connect, spec.expiresAt), oneTimeSecret: password };
  }

  async revoke(spec: GrantSpec<Target>): Promise<void> {
    const user = userName(spec);
    await this.admin.run(async (redis) => {
      if ((await redis.call('ACL', 'GETUSER', user)) === null) return;
      // Off first so nobody authenticates again; its open connections (which `off` leaves working) are killed
      // whether or not that worked; then it goes.
      try {
        await redis.call('ACL', 'SETUSER', user, 'off', 'resetpass');
      } finally {
        await redis.call('CLIENT', 'KILL', 'USER', user);
        await untilConnectionsGone(() => connectionsOf(redis, user), user);
      }
      await redis.call('ACL', 'DELUSER', user);
    });
  }

  /**
   * The ACL user's connections in CLIENT LIST. Redis shows the name of the last command each ran, never its
   * arguments (so no key or value), and the library name only from Redis 7.2 on.
   */
  async sessions(spec: GrantSpec<Target>): Promise<TargetSession[]> {
    const user = userName(spec);
    return this.admin.run(async (redis) => {
      const now = Date.now();
      return (await clientsOf(redis, user)).slice(0, SESSIONS_LISTED).map((client) => {
        const command = client.get('cmd');
        return {
          id: client.get('id') ?? '',
          startedAt: new Date(now - Number(client.get('age') ?? 0) * 1000),
          clientAddress: client.get('addr') || null,
          application: client.get('name') || client.get('lib-name') || null,
          state: clientState(client),
          statement: command && command !== 'NULL' ? command : null,
        };
      });
    });
  }

  /** The level's ACL rules, read against this server's command categories. */
  async describeLevel(target: Target): Promise<string> {
    return this.admin.run((redis) => describeRules(redis, target.rules));
  }

  /** The user is on, or a connection of it is still open (one authenticated before `off` keeps working). */
  async check(spec: GrantSpec<Target>): Promise<boolean> {
    const user = userName(spec);
    return this.admin.run(async (redis) => {
      const found = (await redis.call('ACL', 'GETUSER', user)) as unknown[] | null;
      if (found === null) return false;
      const flags = found[found.indexOf('flags') + 1];
      return (Array.isArray(flags) && flags.includes('on')) || (await connectionsOf(redis, user)) > 0;
    });
  }
}

/** A category rule (`+@read`, `-@dangerous`): its category. */
const CATEGORY_RULE = /^[+-]@([a-z_-]+)$/;

/** The level's ACL rules as Redis will apply them, each category with how many commands it holds in this server. */
async function describeRules(redis: Redis, rules: string[]): Promise<string> {
  const described = await Promise.all(
    rules.map(async (rule) => {
      const category = CATEGORY_RULE.exec(rule)?.[1];
      if (category === undefined) return rule;
      const commands = (await redis.call('ACL', 'CAT', category).catch((e: Error) => {
        if (/unknown category/i.test(e.message)) return null;
        throw e;
      })) as unknown[] | null;
      return Array.isArray(commands) ? `${rule} (${commands.length} commands)` : `${rule} (a category this server does not have)`;
    }),
  );
  return `ACL rules ${described.join(' ')}.`;
}

/** The connections authenticated as `user`, each as CLIENT LIST's fields (Redis 7.0's CLIENT LIST cannot filter by user). */
async function clientsOf(redis: Redis, user: string): Promise<Map<string, string>[]> {
  const list = (await redis.call('CLIENT', 'LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.split(' ').includes(`user=${user}`))
    .map((line) => new Map(line.split(' ').map((field) => [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)])));
}

/** How many connections are authenticated as `user`. */
async function connectionsOf(redis: Redis, user: string): Promise<number> {
  return (await clientsOf(redis, user)).length;
}

/** A connection blocked in a command (BLPOP, XREAD BLOCK…), inside MULTI, or waiting for its next command. */
function clientState(client: Map<string, string>): string {
  if (client.get('flags')?.includes('b')) return 'blocked';
  return client.get('multi') !== undefined && client.get('multi') !== '-1' ? 'in MULTI' : 'idle';
}

function userName(spec: GrantSpec<Target>): string {
  const name = temporaryName(spec.identity, spec.requestId);
  if (!USER_NAME.test(name)) throw new PermanentError('INVALID_IDENTITY', `"${name}" is not a valid Redis ACL user name.`);
  return name;
}
