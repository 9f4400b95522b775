import { randomBytes } from 'node:crypto';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { mysqlProvider } from '../../src/providers/mysql';
import { postgresProvider } from '../../src/providers/postgres';
import { redisAclProvider } from '../../src/providers/redis-acl';
import type { AccessProvider } from '../../src/providers/types';
import { databaseUrl, dropDatabase, recreateDatabase, SERVER_URL, withClient } from '../support/databases';
import { ownedGrants } from '../support/provider-conformance';
import { testPools } from '../support/provider-pools';
import { REDIS_URL, withRedis } from '../support/redis';
import { waitUntil } from '../support/wait';

/**
 * The admin connections the built-in providers keep between calls: one small pool per admin URL, a new
 * one when the URL rotates, a dead connection replaced, the size never exceeded. Each pool's connections
 * are told apart on the server by the admin URL they came from (an application_name, a database, a user).
 */
const owned = ownedGrants('o');
const { suffix } = owned;
const ADMIN_ENV = 'POOL_TEST_ADMIN_URL';

describe('PostgreSQL admin connections', () => {
  const database = `pa_pools_${suffix}`;
  const login = `${suffix}_bob`;
  const readRole = `${suffix}_read`;
  const adminUrl = (applicationName: string) => `${databaseUrl(database)}?application_name=${applicationName}`;
  const name = (label: string) => `${suffix}_${label}_${randomBytes(2).toString('hex')}`;
  const backends = async (applicationName: string) =>
    (
      await withClient(SERVER_URL, (db) =>
        db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]),
      )
    ).rows[0]!.n;
  const noBackendsOf = (applicationName: string) =>
    waitUntil(
      async () => ((await backends(applicationName)) === 0 ? true : undefined),
      10_000,
      () => `no backends of ${applicationName}`,
    );
  const grant = (identity = login) => owned.spec(identity, { role: readRole });
  const setup = (poolSize?: number) => {
    const { pools, warnings } = testPools();
    const env: NodeJS.ProcessEnv = {};
    const provider: AccessProvider = postgresProvider.create({ connectionEnv: ADMIN_ENV, mode: 'grant-role', poolSize }, env, {
      levelTargets: [{ role: readRole }],
      pools,
    });
    return { pools, warnings, env, provider };
  };

  beforeAll(async () => {
    await recreateDatabase(database);
    await withClient(SERVER_URL, async (db) => {
      await db.query(`CREATE ROLE ${readRole} NOLOGIN`);
      await db.query(`CREATE ROLE ${login} LOGIN`);
    });
  });

  afterAll(async () => {
    await dropDatabase(database);
    await withClient(SERVER_URL, (db) => db.query(`DROP ROLE IF EXISTS ${login}, ${readRole}`));
  });

  test('calls share their URL’s pool; a rotated URL gets a new pool and the old one closes', async () => {
    const { pools, env, provider } = setup();
    const [before, after] = [name('before'), name('after')];
    try {
      env[ADMIN_ENV] = adminUrl(before);
      await provider.grant(grant());
      expect(await provider.check(grant())).toBe(true);
      // The connection outlives the call, ready for the next one.
      expect(await backends(before)).toBeGreaterThan(0);

      env[ADMIN_ENV] = adminUrl(after);
      await provider.revoke(grant());
      expect(await provider.check(grant())).toBe(false);
      expect(await backends(after)).toBeGreaterThan(0);
      await noBackendsOf(before);
    } finally {
      await pools.close();
    }
  });

  test('a pooled connection the server terminates is dropped and logged, and the next calls work', async () => {
    const { pools, warnings, env, provider } = setup();
    const applicationName = name('killed');
    env[ADMIN_ENV] = adminUrl(applicationName);
    try {
      await provider.grant(grant());
      await withClient(SERVER_URL, (db) =>
        db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]),
      );
      await noBackendsOf(applicationName);
      await waitUntil(
        () => (warnings.includes('provider connection error') ? true : undefined),
        10_000,
        () => 'the warning',
      );

      await provider.revoke(grant());
      expect(await provider.check(grant())).toBe(false);
      await provider.grant(grant());
      expect(await provider.check(grant())).toBe(true);
      await provider.revoke(grant());
    } finally {
      await pools.close();
    }
  });

  test('concurrent calls never open more connections than the pool’s size', async () => {
    const size = 2;
    const { pools, env, provider } = setup(size);
    const applicationName = name('bound');
    env[ADMIN_ENV] = adminUrl(applicationName);
    const seen: number[] = [];
    let running = true;
    const sampling = (async () => {
      while (running) seen.push(await backends(applicationName));
    })();
    try {
      await Promise.all(Array.from({ length: 12 }, () => provider.check(grant())));
      running = false;
      await sampling;
      seen.push(await backends(applicationName));
      expect(Math.max(...seen)).toBeLessThanOrEqual(size);
      // The pool keeps what it opened: the connections are still there after the calls.
      expect(seen.at(-1)).toBeGreaterThan(0);
    } finally {
      running = false;
      await pools.close();
    }
  });

  test('closing the pools ends every connection they opened', async () => {
    const { pools, env, provider } = setup();
    const applicationName = name('closed');
    env[ADMIN_ENV] = adminUrl(applicationName);
    await Promise.all([provider.check(grant()), provider.check(grant())]);
    expect(await backends(applicationName)).toBeGreaterThan(0);
    await pools.close();
    await noBackendsOf(applicationName);
    await expect(provider.check(grant())).rejects.toThrow('shutting down');
  });
});

describe('MySQL admin connections', () => {
  const SERVER = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
  // The pool's connections are the ones with this default database.
  const database = `pa_pools_${suffix}`;
  const asAdmin = async <T>(work: (db: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> => {
    const db = await createConnection({ uri: SERVER });
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  };
  const poolConnections = () =>
    asAdmin(async (db) =>
      (await db.query<RowDataPacket[]>('SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?', [database]))[0].map((r) =>
        Number(r.ID),
      ),
    );

  beforeAll(() => asAdmin((db) => db.query(`CREATE DATABASE ${database}`)));
  afterAll(() => asAdmin((db) => db.query(`DROP DATABASE IF EXISTS ${database}`)));

  test('a pooled connection the server KILLs is dropped and logged, and the next calls work', async () => {
    const { pools, warnings } = testPools();
    const provider = mysqlProvider.create(
      { connectionEnv: ADMIN_ENV },
      { [ADMIN_ENV]: `${SERVER}/${database}` },
      { levelTargets: [], pools },
    );
    const spec = owned.spec(`${suffix}_kim`, { privileges: ['SELECT'], database });
    try {
      await provider.grant(spec);
      const [id] = await poolConnections();
      expect(id).toBeDefined();
      await asAdmin((db) => db.query(`KILL CONNECTION ${id}`));
      await waitUntil(
        async () => ((await poolConnections()).includes(id!) ? undefined : true),
        10_000,
        () => `connection ${id} gone`,
      );

      await provider.revoke(spec);
      expect(await provider.check(spec)).toBe(false);
      await provider.grant(spec);
      expect(await provider.check(spec)).toBe(true);
      await provider.revoke(spec);
      await pools.close();
      expect(await poolConnections()).toEqual([]);
      // Whether mysql2 reports the kill as an error depends on when it reads it; it never reaches the process.
      expect(warnings.filter((w) => w !== 'provider connection error')).toEqual([]);
    } finally {
      await pools.close();
    }
  });
});

describe('Redis admin connection', () => {
  // The admin is an ACL user of its own, so its connections can be counted and killed.
  const admin = `${suffix}_admin`;
  const password = randomBytes(12).toString('hex');
  const adminUrl = () => {
    const url = new URL(REDIS_URL);
    url.username = admin;
    url.password = password;
    return url.toString();
  };
  const adminConnections = () =>
    withRedis(
      async (redis) => ((await redis.call('CLIENT', 'LIST')) as string).split('\n').filter((l) => l.includes(` user=${admin} `)).length,
    );

  beforeAll(() => withRedis((redis) => redis.call('ACL', 'SETUSER', admin, 'on', `>${password}`, '+@all', '~*', '&*')));
  afterAll(() =>
    withRedis(async (redis) => {
      const users = (await redis.call('ACL', 'USERS')) as string[];
      for (const user of users.filter((u) => u.startsWith(`${suffix}_`))) await redis.call('ACL', 'DELUSER', user);
    }),
  );

  test('one connection serves every call; one the server kills is replaced at the next call', async () => {
    const { pools } = testPools();
    const provider = redisAclProvider.create({ connectionEnv: ADMIN_ENV }, { [ADMIN_ENV]: adminUrl() }, { levelTargets: [], pools });
    const specs = [1, 2, 3, 4].map((n) => owned.spec(`${suffix}_u${n}`, { rules: ['+@read', `~${suffix}:*`] }));
    try {
      await Promise.all(specs.map((spec) => provider.grant(spec)));
      expect(await adminConnections()).toBe(1);

      await withRedis((redis) => redis.call('CLIENT', 'KILL', 'USER', admin));
      await waitUntil(
        async () => ((await adminConnections()) === 0 ? true : undefined),
        10_000,
        () => 'the admin connection gone',
      );

      await Promise.all(specs.map((spec) => provider.revoke(spec)));
      expect(await Promise.all(specs.map((spec) => provider.check(spec)))).toEqual([false, false, false, false]);
      expect(await adminConnections()).toBe(1);
      await pools.close();
      await waitUntil(
        async () => ((await adminConnections()) === 0 ? true : undefined),
        10_000,
        () => 'no admin connection after close',
      );
    } finally {
      await pools.close();
    }
  });
});
