import { Redis } from 'ioredis';
import { redisAclProvider } from '../../src/providers/redis-acl';
import { temporaryName } from '../../src/providers/support';
import type { AccessInstructions, AccessProvider, GrantSpec } from '../../src/providers/types';
import { REDIS_URL, withRedis } from '../support/redis';
import { describeProviderConformance, type GranteeSession, ownedGrants } from '../support/provider-conformance';
import { testPools } from '../support/provider-pools';

const SERVER = REDIS_URL;
const owned = ownedGrants('r');
const { suffix } = owned;
const env = { PROVIDER_TEST_REDIS_URL: SERVER };
// Pooled, as the app runs them.
const { pools } = testPools();
const provider = (): AccessProvider =>
  redisAclProvider.create({ connectionEnv: 'PROVIDER_TEST_REDIS_URL' }, env, { levelTargets: [], pools });
const readCache = (identity: string) => owned.spec(identity, { rules: ['+@read', `~${suffix}:cache:*`] });

/** Connects as the grant's ACL user with the one-time password, as the requester would. */
async function connectAs(grant: GrantSpec, password: string | undefined): Promise<Redis> {
  const redis = new Redis(SERVER, {
    username: temporaryName(grant.identity, grant.requestId),
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    // The ready check runs INFO, which the level's rules do not allow.
    enableReadyCheck: false,
  });
  let cause: Error | undefined;
  redis.on('error', (e: Error) => (cause ??= e));
  await redis.connect().catch((e: Error) => {
    throw cause ?? e;
  });
  return redis;
}

/** The requester's own connection, reading the key the level's rules allow. */
async function sessionOf(grant: GrantSpec, access: AccessInstructions): Promise<GranteeSession> {
  const session = await connectAs(grant, access.oneTimeSecret);
  return {
    exercise: async () => {
      expect(await session.get(`${suffix}:cache:answer`)).toBe('42');
    },
    close: async () => session.disconnect(),
    // Redis shows the last command's name alone.
    statement: { run: () => session.get(`${suffix}:cache:answer`), shown: 'get' },
  };
}

const usersOf = (grant: GrantSpec) =>
  withRedis(async (redis) => ((await redis.call('ACL', 'GETUSER', temporaryName(grant.identity, grant.requestId))) === null ? 0 : 1));

beforeAll(() => withRedis((redis) => redis.set(`${suffix}:cache:answer`, '42')));

afterAll(() => pools.close());

afterAll(() =>
  withRedis(async (redis) => {
    // Only the ACL users and keys this file created: the same Redis holds other tests' queues.
    const users = (await redis.call('ACL', 'USERS')) as string[];
    for (const user of users.filter((u) => u.startsWith(`${suffix}_`))) await redis.call('ACL', 'DELUSER', user);
    await redis.del(`${suffix}:cache:answer`);
  }),
);

let identities = 0;
describeProviderConformance('Redis ACL provider', {
  provider,
  newGrant: async () => readCache(`${suffix}_u${++identities}`),
  observe: usersOf,
  createsCredentials: true,
  openSession: sessionOf,
});

describe('Redis ACL provider', () => {
  const acl = provider();

  test('what a level allows is its ACL rules, each category with how many commands it holds in this server', async () => {
    const readCommands = ((await withRedis((redis) => redis.call('ACL', 'CAT', 'read'))) as string[]).length;
    const summary = await acl.describeLevel!({ rules: ['+@read', '-@nosuchthing', '~cache:*', '+config|get'] });
    expect(summary).toBe(
      `ACL rules +@read (${readCommands} commands) -@nosuchthing (a category this server does not have) ~cache:* +config|get.`,
    );
    expect(readCommands).toBeGreaterThan(10);
  });

  test('the ACL user reads what its rules allow during the grant; its connection is killed and it is refused after the revoke', async () => {
    const grant = readCache(`${suffix}_alice`);
    const access = await acl.grant(grant);
    expect(access.lines.join('\n')).toContain(`--user ${temporaryName(grant.identity, grant.requestId)}`);
    const session = await connectAs(grant, access.oneTimeSecret);
    try {
      expect(await session.get(`${suffix}:cache:answer`)).toBe('42');
      await expect(session.get('other:key')).rejects.toThrow(/NOPERM/);
      await expect(session.set(`${suffix}:cache:answer`, '1')).rejects.toThrow(/NOPERM/);
      const ended = new Promise((resolve) => session.once('end', resolve));
      await acl.revoke(grant);
      await ended;
    } finally {
      session.disconnect();
    }
    await expect(connectAs(grant, access.oneTimeSecret)).rejects.toThrow(/WRONGPASS/);
  });

  test('a live connection of the ACL user keeps the check true after the user is switched off, until the revoke kills it', async () => {
    const grant = readCache(`${suffix}_erin`);
    const session = await sessionOf(grant, await acl.grant(grant));
    try {
      // `off` only stops new logins (by hand, or by a revoke that stopped there): the open connection still reads.
      await withRedis((redis) => redis.call('ACL', 'SETUSER', temporaryName(grant.identity, grant.requestId), 'off'));
      await session.exercise();
      expect(await acl.check(grant)).toBe(true);
      await acl.revoke(grant);
      await expect(session.exercise()).rejects.toThrow();
      expect(await acl.check(grant)).toBe(false);
    } finally {
      await session.close();
    }
  });

  test('when Redis refuses to switch the user off, its connections are killed all the same', async () => {
    // An admin that may read users and kill connections, but not change users.
    const killer = `${suffix}_killer`;
    await withRedis((redis) =>
      redis.call('ACL', 'SETUSER', killer, 'reset', 'on', '>killer-password', '+info', '+acl|getuser', '+client|kill', '+client|list'),
    );
    const url = new URL(SERVER);
    url.username = killer;
    url.password = 'killer-password';
    const weakAdmin = redisAclProvider.create({ connectionEnv: 'WEAK_ADMIN_URL' }, { WEAK_ADMIN_URL: url.toString() });
    const grant = readCache(`${suffix}_fred`);
    const session = await sessionOf(grant, await acl.grant(grant));
    try {
      await session.exercise();
      await expect(weakAdmin.revoke(grant)).rejects.toThrow(/NOPERM/);
      await expect(session.exercise()).rejects.toThrow();
    } finally {
      await session.close();
      await acl.revoke(grant);
    }
  });

  test('a retried grant replaces the password and the rules instead of adding to them', async () => {
    const grant = readCache(`${suffix}_bob`);
    const first = await acl.grant(grant);
    const second = await acl.grant({ ...grant, target: { rules: ['+get', `~${suffix}:cache:*`] } });
    try {
      await expect(connectAs(grant, first.oneTimeSecret)).rejects.toThrow(/WRONGPASS/);
      const session = await connectAs(grant, second.oneTimeSecret);
      await expect(session.exists(`${suffix}:cache:answer`)).rejects.toThrow(/NOPERM/);
      session.disconnect();
    } finally {
      await acl.revoke(grant);
    }
  });

  test('rules that would change the user itself, and names with spaces, are refused before Redis sees them', async () => {
    for (const rule of ['nopass', '>known-password', 'on', 'reset', '+@all ~*', 'allkeys allcommands']) {
      await expect(acl.grant({ ...readCache(`${suffix}_eve`), target: { rules: [rule] } })).rejects.toMatchObject({
        code: 'TARGET_REJECTED',
      });
    }
    await expect(acl.grant(readCache('eve smith'))).rejects.toMatchObject({ code: 'INVALID_IDENTITY' });
    expect(await acl.check(readCache(`${suffix}_eve`))).toBe(false);
  });

  test('validateConfig connects, and says so when it cannot', async () => {
    await expect(redisAclProvider.validateConfig({ connectionEnv: 'PROVIDER_TEST_REDIS_URL' }, env)).resolves.toBeUndefined();
    await expect(redisAclProvider.validateConfig({ connectionEnv: 'X' }, { X: 'redis://127.0.0.1:1' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
