import { Client } from 'pg';
import { postgresProvider } from '../../src/providers/postgres';
import { temporaryName } from '../../src/providers/support';
import type { AccessProvider, GrantSpec } from '../../src/providers/types';
import { databaseUrl, dropDatabase, recreateDatabase, SERVER_URL, withClient } from '../support/databases';
import { describeProviderConformance, ownedGrants } from '../support/provider-conformance';

const owned = ownedGrants('p');
const { suffix } = owned;
const database = `pa_provider_${suffix}`;
const roles = { read: `${suffix}_read`, login: `${suffix}_bob` };
const env = { PROVIDER_TEST_ADMIN_URL: databaseUrl(database) };
const spec = (identity: string, requestId?: number): GrantSpec => ({
  ...owned.spec(identity, { role: roles.read }),
  ...(requestId !== undefined && { requestId }),
});
type Mode = 'grant-role' | 'login-role';
const provider = (mode: Mode): AccessProvider => postgresProvider.create({ connectionEnv: 'PROVIDER_TEST_ADMIN_URL', mode }, env);

/** How many times the login of a grant is a member of the level's role, read from the catalog tables. */
async function memberships(mode: Mode, grant: GrantSpec): Promise<number> {
  const login = mode === 'login-role' ? temporaryName(grant.identity, grant.requestId) : grant.identity;
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
  });
}

async function selectAs(user: string): Promise<unknown[]> {
  return withClient(databaseUrl(database, user), async (db) => (await db.query('SELECT n FROM numbers')).rows);
}

beforeAll(async () => {
  await recreateDatabase(database);
  await withClient(SERVER_URL, async (db) => {
    await db.query(`CREATE ROLE ${roles.read} NOLOGIN`);
    await db.query(`CREATE ROLE ${roles.login} LOGIN`);
  });
  await withClient(databaseUrl(database), async (db) => {
    await db.query('CREATE TABLE numbers (n int)');
    await db.query('INSERT INTO numbers VALUES (7)');
    await db.query(`GRANT SELECT ON numbers TO ${roles.read}`);
  });
});

afterAll(async () => {
  await dropDatabase(database);
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
});
