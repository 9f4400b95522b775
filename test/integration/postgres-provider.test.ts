import { Client } from 'pg';
import { postgresProvider } from '../../src/providers/postgres';
import { temporaryName } from '../../src/providers/support';
import type { AccessProvider, GrantSpec } from '../../src/providers/types';
import { databaseUrl, dropDatabase, recreateDatabase, SERVER_URL, withClient } from '../support/databases';
import { describeProviderConformance, type GranteeSession, ownedGrants } from '../support/provider-conformance';
import { testPools } from '../support/provider-pools';

const owned = ownedGrants('p');
const { suffix } = owned;
const database = `pa_provider_${suffix}`;
const otherDatabase = `${database}_other`;
const roles = { read: `${suffix}_read`, login: `${suffix}_bob` };
const env = { PROVIDER_TEST_ADMIN_URL: databaseUrl(database) };
const spec = (identity: string, requestId?: number): GrantSpec => ({
  ...owned.spec(identity, { role: roles.read }),
  ...(requestId !== undefined && { requestId }),
});
type Mode = 'grant-role' | 'login-role';
// Pooled, as the app runs them.
const { pools } = testPools();
const provider = (mode: Mode, levelRoles: string[] = [roles.read]): AccessProvider =>
  postgresProvider.create({ connectionEnv: 'PROVIDER_TEST_ADMIN_URL', mode }, env, {
    levelTargets: levelRoles.map((role) => ({ role })),
    pools,
  });
const loginOf = (mode: Mode, grant: GrantSpec) => (mode === 'login-role' ? temporaryName(grant.identity, grant.requestId) : grant.identity);

/**
 * A session of `user` in the test database that first runs `setup`: what a grantee does to keep the
 * level's rights in the session (SET ROLE to the level role, a temporary table the login owns).
 */
async function sessionAs(user: string, setup: string, db = database): Promise<GranteeSession & { run(sql: string): Promise<unknown> }> {
  const client = new Client({ connectionString: databaseUrl(db, user) });
  // The revoke ends the session from the server's side; the client reports it on its next query instead.
  client.on('error', () => undefined);
  await client.connect();
  await client.query(setup);
  return {
    run: (sql) => client.query(sql),
    exercise: async () => {
      await client.query('SELECT n FROM numbers');
    },
    close: () => client.end().catch(() => undefined),
    statement: { run: () => client.query('SELECT n FROM numbers WHERE n = 7'), shown: 'SELECT n FROM numbers WHERE n = $1' },
  };
}

/** What a session's next query says once the server has ended it. */
const SESSION_ENDED = /terminat|connection error/;

const HOLD_THE_LEVEL: Record<Mode, string> = { 'grant-role': `SET ROLE ${roles.read}`, 'login-role': 'CREATE TEMP TABLE keep_me (x int)' };

/** How many times the login of a grant is a member of the level's role, read from the catalog tables. */
async function memberships(mode: Mode, grant: GrantSpec): Promise<number> {
  const login = loginOf(mode, grant);
  const { rows } = await withClient(SERVER_URL, (db) =>
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_auth_members m
         JOIN pg_roles granted ON granted.oid = m.roleid JOIN pg_roles member ON member.oid = m.member
        WHERE granted.rolname = $1 AND member.rolname = $2`,
      [roles.read, login],
    ),
  );
  return rows[0]!.n;
}

let identities = 0;
for (const mode of ['grant-role', 'login-role'] as const) {
  describeProviderConformance(`PostgreSQL provider, ${mode} mode`, {
    provider: () => provider(mode),
    newGrant: async () => {
      const identity = `${suffix}_c${++identities}`;
      // grant-role grants to the user's existing login role; login-role creates its own.
      if (mode === 'grant-role') await withClient(SERVER_URL, (db) => db.query(`CREATE ROLE ${identity} LOGIN`));
      return spec(identity);
    },
    observe: (grant) => memberships(mode, grant),
    createsCredentials: mode === 'login-role',
    openSession: (grant) => sessionAs(loginOf(mode, grant), HOLD_THE_LEVEL[mode]),
  });
}

async function selectAs(user: string): Promise<unknown[]> {
  return withClient(databaseUrl(database, user), async (db) => (await db.query('SELECT n FROM numbers')).rows);
}

beforeAll(async () => {
  await recreateDatabase(database);
  await recreateDatabase(otherDatabase);
  await withClient(SERVER_URL, async (db) => {
    await db.query(`CREATE ROLE ${roles.read} NOLOGIN`);
    await db.query(`CREATE ROLE ${roles.login} LOGIN`);
  });
  await withClient(databaseUrl(database), async (db) => {
    await db.query('CREATE TABLE numbers (n int)');
    await db.query('INSERT INTO numbers VALUES (7)');
    await db.query(`GRANT SELECT ON numbers TO ${roles.read}`);
    // So that a temporary login can own tables the revoke must deal with.
    await db.query(`GRANT CREATE ON SCHEMA public TO ${roles.read}`);
  });
  await withClient(databaseUrl(otherDatabase), (db) => db.query(`GRANT CREATE ON SCHEMA public TO ${roles.read}`));
});

afterAll(() => pools.close());

afterAll(async () => {
  await dropDatabase(database);
  await dropDatabase(otherDatabase);
  await withClient(SERVER_URL, async (db) => {
    const { rows } = await db.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname LIKE $1', [`${suffix}_%`]);
    for (const { rolname } of rows) await db.query(`DROP ROLE "${rolname}"`);
  });
});

describe('PostgreSQL provider, grant-role mode', () => {
  const pg = provider('grant-role');

  test('granting twice is one grant; the identity can read during it and not after the revoke', async () => {
    await expect(selectAs(roles.login)).rejects.toThrow(/permission denied/);
    const access = await pg.grant(spec(roles.login));
    await pg.grant(spec(roles.login));
    expect(access.oneTimeSecret).toBeUndefined();
    expect(access.lines.join('\n')).toContain(`dbname=${database} user=${roles.login}`);
    expect(await pg.check(spec(roles.login))).toBe(true);
    await expect(selectAs(roles.login)).resolves.toEqual([{ n: 7 }]);
    await pg.revoke(spec(roles.login));
    await pg.revoke(spec(roles.login));
    expect(await pg.check(spec(roles.login))).toBe(false);
    await expect(selectAs(roles.login)).rejects.toThrow(/permission denied/);
  });

  test('revoking what was never granted, or for a role that does not exist, is fine', async () => {
    await expect(pg.revoke(spec(roles.login))).resolves.toBeUndefined();
    await expect(pg.revoke(spec(`${suffix}_nobody`))).resolves.toBeUndefined();
  });

  test('a grant to a role the database does not have is refused as permanent', async () => {
    await expect(pg.grant(spec(`${suffix}_nobody`))).rejects.toMatchObject({ code: 'TARGET_REJECTED' });
  });

  test("validateConfig names a level's role the database does not have", async () => {
    const settings = { connectionEnv: 'PROVIDER_TEST_ADMIN_URL' };
    await expect(postgresProvider.validateConfig(settings, env, [{ role: roles.read }])).resolves.toBeUndefined();
    await expect(postgresProvider.validateConfig(settings, env, [{ role: roles.read }, { role: `${suffix}_nope` }])).rejects.toThrow(
      `the database has no role "${suffix}_nope" (named by a level)`,
    );
  });

  test('a session that SET ROLE to the level role keeps the check true after the membership is gone, until the revoke ends it', async () => {
    const identity = `${suffix}_dora`;
    await withClient(SERVER_URL, (db) => db.query(`CREATE ROLE ${identity} LOGIN`));
    const grant = spec(identity);
    await pg.grant(grant);
    const session = await sessionAs(identity, `SET ROLE ${roles.read}`);
    try {
      // The membership alone is removed (by hand, or by a revoke whose session cleanup failed): the session still reads.
      await withClient(SERVER_URL, (db) => db.query(`REVOKE ${roles.read} FROM ${identity}`));
      await session.exercise();
      expect(await pg.check(grant)).toBe(true);
      await pg.revoke(grant);
      await expect(session.exercise()).rejects.toThrow(SESSION_ENDED);
      expect(await pg.check(grant)).toBe(false);
    } finally {
      await session.close();
    }
  });

  test('a session opened before the grant that SET ROLE during it is ended at the revoke too', async () => {
    const identity = `${suffix}_erin`;
    await withClient(SERVER_URL, (db) => db.query(`CREATE ROLE ${identity} LOGIN`));
    const grant = spec(identity);
    const session = await sessionAs(identity, 'SELECT 1');
    try {
      await expect(session.exercise()).rejects.toThrow(/permission denied/);
      await pg.grant(grant);
      await session.exercise();
      await session.run(`SET ROLE ${roles.read}`);
      await pg.revoke(grant);
      await expect(session.exercise()).rejects.toThrow(SESSION_ENDED);
    } finally {
      await session.close();
    }
  });

  test('a login that is a superuser, a group role, a NOLOGIN role or a level role is refused, and nothing is granted', async () => {
    const [superuser, group, member, nologin, levelLogin] = ['su', 'team', 'member', 'nologin', 'write'].map((n) => `${suffix}_${n}`) as [
      string,
      string,
      string,
      string,
      string,
    ];
    await withClient(SERVER_URL, async (db) => {
      await db.query(`CREATE ROLE ${superuser} LOGIN SUPERUSER`);
      await db.query(`CREATE ROLE ${group} LOGIN`);
      await db.query(`CREATE ROLE ${member} LOGIN IN ROLE ${group}`);
      await db.query(`CREATE ROLE ${nologin} NOLOGIN`);
      await db.query(`CREATE ROLE ${levelLogin} LOGIN`);
    });
    const withLevels = provider('grant-role', [roles.read, levelLogin]);
    const refusals: [string, RegExp][] = [
      [superuser, /superuser/],
      [group, /has members/],
      [nologin, /cannot log in/],
      [levelLogin, /level role/],
      [roles.read, /cannot log in|level role/],
    ];
    for (const [identity, reason] of refusals) {
      await expect(withLevels.grant(spec(identity))).rejects.toMatchObject({
        code: 'INVALID_IDENTITY',
        message: expect.stringMatching(reason),
      });
      expect(await memberships('grant-role', spec(identity))).toBe(0);
    }
  });

  test('names that are not plain role names never reach SQL', async () => {
    await expect(pg.grant(spec('bob"; DROP TABLE numbers; --'))).rejects.toMatchObject({ code: 'INVALID_IDENTITY' });
    await expect(pg.grant({ ...spec(roles.login), target: { role: 'x; DROP TABLE numbers' } })).rejects.toThrow(/role name/);
    await expect(withClient(databaseUrl(database), (db) => db.query('SELECT count(*) FROM numbers'))).resolves.toBeDefined();
  });
});

describe('PostgreSQL provider, login-role mode', () => {
  const pg = provider('login-role');

  test('creates a temporary login role with a one-time password and VALID UNTIL, dropped at revoke with its sessions', async () => {
    const grant = spec(`${suffix}_carol`, 42);
    const login = `${suffix}_carol_pa42`;
    const first = await pg.grant(grant);
    const second = await pg.grant(grant);
    expect(second.oneTimeSecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second.oneTimeSecret).not.toBe(first.oneTimeSecret);
    expect(second.lines.join('\n')).toContain(`user=${login}`);
    const { rows } = await withClient(SERVER_URL, (db) =>
      db.query<{ rolvaliduntil: Date }>('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [login]),
    );
    expect(rows[0]!.rolvaliduntil.toISOString()).toBe(grant.expiresAt.toISOString());
    expect(await pg.check(grant)).toBe(true);
    // The test server trusts local connections, so only the role's existence is tested here, not the password.
    await expect(selectAs(login)).resolves.toEqual([{ n: 7 }]);

    const session = new Client({ connectionString: databaseUrl(database, login) });
    await session.connect();
    const ended = new Promise((resolve) => session.on('error', resolve));
    await pg.revoke(grant);
    await ended;
    await session.end().catch(() => undefined);
    await pg.revoke(grant);
    expect(await pg.check(grant)).toBe(false);
    await expect(selectAs(login)).rejects.toThrow(/does not exist/);
  });

  test('a live session of the temporary login keeps the check true; the revoke ends it and drops what the login owns', async () => {
    const grant = spec(`${suffix}_fay`);
    const login = temporaryName(grant.identity, grant.requestId);
    await pg.grant(grant);
    const session = await sessionAs(login, `CREATE TEMP TABLE keep_me (x int); CREATE TABLE ${login}_made (x int)`);
    try {
      await withClient(SERVER_URL, (db) => db.query(`REVOKE ${roles.read} FROM ${login}`));
      expect(await pg.check(grant)).toBe(true);
      await pg.revoke(grant);
      await expect(session.exercise()).rejects.toThrow(SESSION_ENDED);
      expect(await pg.check(grant)).toBe(false);
      expect(await memberships('login-role', grant)).toBe(0);
      const tables = await withClient(
        databaseUrl(database),
        async (db) => (await db.query('SELECT to_regclass($1) AS t', [`${login}_made`])).rows,
      );
      expect(tables).toEqual([{ t: null }]);
    } finally {
      await session.close();
    }
  });

  test('objects the login owns in another database stop the DROP ROLE, yet its sessions end and it can no longer log in', async () => {
    const grant = spec(`${suffix}_gil`);
    const login = temporaryName(grant.identity, grant.requestId);
    await pg.grant(grant);
    const session = await sessionAs(login, 'SELECT 1');
    await sessionAs(login, 'CREATE TABLE left_behind (x int)', otherDatabase).then((other) => other.close());
    try {
      await session.exercise();
      await expect(pg.revoke(grant)).rejects.toThrow(new RegExp(`${login}.*${otherDatabase}`));
      await expect(session.exercise()).rejects.toThrow(SESSION_ENDED);
      await expect(selectAs(login)).rejects.toThrow(/not permitted to log in/);
      expect(await pg.check(grant)).toBe(false);
      // Once the owner deals with the object, the retried revoke drops the login.
      await withClient(databaseUrl(otherDatabase), (db) => db.query(`DROP OWNED BY ${login}`));
      await pg.revoke(grant);
      await expect(selectAs(login)).rejects.toThrow(/does not exist/);
    } finally {
      await session.close();
    }
  });
});

describe('PostgreSQL provider, what a level allows', () => {
  const pg = provider('grant-role');
  const [base, level] = [`${suffix}_base`, `${suffix}_level`];

  beforeAll(async () => {
    await withClient(SERVER_URL, async (db) => {
      await db.query(`CREATE ROLE ${base} NOLOGIN`);
      await db.query(`CREATE ROLE ${level} NOLOGIN IN ROLE ${base}`);
    });
    await withClient(databaseUrl(database), async (db) => {
      await db.query('CREATE SCHEMA shop');
      for (const table of ['prices', 'stock', 'carts']) await db.query(`CREATE TABLE shop.${table} (n int)`);
      await db.query('CREATE TABLE shop.owned (n int)');
      await db.query(`ALTER TABLE shop.owned OWNER TO ${level}`);
      await db.query('CREATE SEQUENCE shop.ids');
      // Through the inherited role: usage of the schema and reading its tables.
      await db.query(`GRANT USAGE ON SCHEMA shop TO ${base}`);
      await db.query(`GRANT SELECT ON shop.prices, shop.stock, shop.carts TO ${base}`);
      // The level's own grants.
      await db.query(`GRANT INSERT, UPDATE ON numbers TO ${level}`);
      await db.query(`GRANT USAGE ON SEQUENCE shop.ids TO ${level}`);
      await db.query(`GRANT TEMPORARY ON DATABASE ${database} TO ${level}`);
    });
  });

  test("summarises the role's privileges from the catalogs, its inherited roles' included, PUBLIC's left out", async () => {
    const summary = await pg.describeLevel!({ role: level });
    expect(summary.replace(/\.$/, '').split('; ')).toEqual([
      `With the privileges of \`${base}\``,
      `TEMPORARY on database \`${database}\``,
      'USAGE on schema `shop`',
      'SELECT on 3 tables in `shop`',
      'INSERT, UPDATE on 1 table in `public`',
      'owns 1 table in `shop`',
      'USAGE on 1 sequence in `shop`',
    ]);
  });

  test("a level's role with a single grant, and one the database does not have", async () => {
    expect(await pg.describeLevel!({ role: roles.read })).toBe('CREATE on schema `public`; SELECT on 1 table in `public`.');
    expect(await pg.describeLevel!({ role: `${suffix}_gone` })).toBe(`The role \`${suffix}_gone\` does not exist in the database.`);
    expect(await pg.describeLevel!({ role: base })).toBe('USAGE on schema `shop`; SELECT on 3 tables in `shop`.');
  });

  test('a role name that is not a plain role name never reaches SQL', async () => {
    await expect(pg.describeLevel!({ role: "x'; DROP TABLE numbers; --" })).rejects.toThrow(/role name/);
  });
});

describe('PostgreSQL provider, an admin that may end sessions but not change roles', () => {
  const weakAdmin = `${suffix}_weak`;
  const weakly = (mode: Mode) =>
    postgresProvider.create({ connectionEnv: 'WEAK_ADMIN_URL', mode }, { WEAK_ADMIN_URL: databaseUrl(database, weakAdmin) });

  beforeAll(() => withClient(SERVER_URL, (db) => db.query(`CREATE ROLE ${weakAdmin} LOGIN IN ROLE pg_signal_backend, pg_read_all_stats`)));

  for (const mode of ['grant-role', 'login-role'] as const) {
    test(`${mode}: the revoke fails, and the sessions holding the level are ended all the same`, async () => {
      const identity = `${suffix}_w${mode === 'grant-role' ? 'g' : 'l'}`;
      if (mode === 'grant-role') await withClient(SERVER_URL, (db) => db.query(`CREATE ROLE ${identity} LOGIN`));
      const grant = spec(identity);
      await provider(mode).grant(grant);
      const session = await sessionAs(loginOf(mode, grant), HOLD_THE_LEVEL[mode]);
      try {
        await session.exercise();
        await expect(weakly(mode).revoke(grant)).rejects.toThrow(/permission denied|admin option/);
        await expect(session.exercise()).rejects.toThrow(SESSION_ENDED);
      } finally {
        await session.close();
        await provider(mode).revoke(grant);
      }
    });
  }
});

describe('PostgreSQL provider, the sessions of a grant', () => {
  test("grant-role: the person's sessions are the grant's only while the login holds the level's role", async () => {
    const identity = `${suffix}_s1`;
    await withClient(SERVER_URL, (db) => db.query(`CREATE ROLE ${identity} LOGIN`));
    const grant = spec(identity);
    const pg = provider('grant-role');
    const session = await sessionAs(identity, 'SELECT 1');
    try {
      await session.run("SELECT 'before the grant'");
      expect(await pg.sessions!(grant)).toEqual([]);
      await pg.grant(grant);
      expect(await pg.sessions!(grant)).toEqual([expect.objectContaining({ state: 'idle', statement: 'SELECT $1' })]);
      await pg.revoke(grant);
      expect(await pg.sessions!(grant)).toEqual([]);
    } finally {
      await session.close();
      await pg.revoke(grant);
    }
  });

  test('login-role: a password the session sets never shows, and its application name does', async () => {
    const grant = spec(`${suffix}_s2`);
    const pg = provider('login-role');
    await pg.grant(grant);
    const session = await sessionAs(loginOf('login-role', grant), "SET application_name = 'nightly-report'");
    try {
      await session.run("ALTER ROLE CURRENT_USER PASSWORD 'hunter2-s3cr3t'");
      const [listed] = await pg.sessions!(grant);
      expect(listed).toMatchObject({ application: 'nightly-report', statement: 'ALTER ROLE CURRENT_USER PASSWORD $1' });
      expect(JSON.stringify(listed)).not.toContain('s3cr3t');
    } finally {
      await session.close();
      await pg.revoke(grant);
    }
  });

  test("an admin that may not read other logins' activity sees the sessions, and nothing of what they do", async () => {
    const blindAdmin = `${suffix}_blind`;
    await withClient(SERVER_URL, (db) => db.query(`CREATE ROLE ${blindAdmin} LOGIN`));
    const blindly = postgresProvider.create(
      { connectionEnv: 'BLIND_ADMIN_URL', mode: 'login-role' },
      { BLIND_ADMIN_URL: databaseUrl(database, blindAdmin) },
    );
    const grant = spec(`${suffix}_s3`);
    await provider('login-role').grant(grant);
    const session = await sessionAs(loginOf('login-role', grant), 'SELECT 1');
    try {
      const [listed, ...more] = await blindly.sessions!(grant);
      expect(more).toEqual([]);
      expect(listed).toMatchObject({ id: expect.stringMatching(/^\d+$/), startedAt: null, state: null, statement: null });
    } finally {
      await session.close();
      await provider('login-role').revoke(grant);
    }
  });
});
