import { Writable } from 'node:stream';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { createLogger } from '../../src/shared/logger';
import { mysqlProvider } from '../../src/providers/mysql';
import { temporaryName } from '../../src/providers/support';
import type { AccessInstructions, AccessProvider, GrantSpec } from '../../src/providers/types';
import { describeProviderConformance, type GranteeSession, ownedGrants } from '../support/provider-conformance';
import { testPools } from '../support/provider-pools';

const SERVER = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const owned = ownedGrants('m');
const { suffix } = owned;
const database = `pa_${suffix}`;
const readRole = `${suffix}_read`;
const env = { PROVIDER_TEST_MYSQL_URL: `${SERVER}/${database}` };
// Pooled, as the app runs them.
const { pools } = testPools();
const provider = (): AccessProvider => mysqlProvider.create({ connectionEnv: 'PROVIDER_TEST_MYSQL_URL' }, env, { levelTargets: [], pools });
const byRole = (identity: string) => owned.spec(identity, { role: readRole });
const byPrivileges = (identity: string) => owned.spec(identity, { privileges: ['SELECT', 'INSERT'], database, table: 'numbers' });

async function asAdmin<T>(work: (db: Connection) => Promise<T>): Promise<T> {
  const db = await createConnection({ uri: SERVER });
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/** Connects as the temporary user with the password the grant gave, as the requester would. */
async function connectAs(grant: GrantSpec, password: string | undefined): Promise<Connection> {
  return createConnection({ host: '127.0.0.1', port: 3306, user: temporaryName(grant.identity, grant.requestId), password, database });
}

/** The requester's own connection, reading what every level of this file lets it read. */
async function sessionOf(grant: GrantSpec, access: AccessInstructions): Promise<GranteeSession> {
  const session = await connectAs(grant, access.oneTimeSecret);
  // The revoke kills the connection from the server's side; the next query reports it instead.
  session.on('error', () => undefined);
  return {
    exercise: async () => {
      await session.query('SELECT n FROM numbers');
    },
    close: async () => session.destroy(),
    // The processlist shows only what runs now: this runs for a second.
    statement: {
      run: () => session.query('SELECT SLEEP(1), n FROM numbers WHERE n = 7'),
      shown: 'SELECT SLEEP($1), n FROM numbers WHERE n = $2',
    },
  };
}

async function accountsOf(grant: GrantSpec): Promise<number> {
  const user = temporaryName(grant.identity, grant.requestId);
  return asAdmin(async (db) => (await db.query<RowDataPacket[]>('SELECT 1 FROM mysql.user WHERE User = ?', [user]))[0].length);
}

beforeAll(async () => {
  await asAdmin(async (db) => {
    await db.query(`CREATE DATABASE ${database}`);
    await db.query(`CREATE TABLE ${database}.numbers (n int)`);
    await db.query(`INSERT INTO ${database}.numbers VALUES (7)`);
    await db.query(`CREATE ROLE ${readRole}`);
    await db.query(`GRANT SELECT ON ${database}.* TO ${readRole}`);
  });
});

afterAll(() => pools.close());

afterAll(async () => {
  await asAdmin(async (db) => {
    const [accounts] = await db.query<RowDataPacket[]>('SELECT User, Host, is_role FROM mysql.user WHERE User LIKE ?', [`${suffix}\\_%`]);
    for (const { User, Host } of accounts.filter((a) => a.is_role !== 'Y')) await db.query('DROP USER IF EXISTS ?@?', [User, Host]);
    await db.query(`DROP ROLE IF EXISTS ${readRole}`);
    await db.query(`DROP DATABASE IF EXISTS ${database}`);
  });
});

let identities = 0;
describeProviderConformance('MySQL provider, role target', {
  provider,
  newGrant: async () => byRole(`${suffix}_r${++identities}`),
  observe: accountsOf,
  createsCredentials: true,
  openSession: sessionOf,
});
describeProviderConformance('MySQL provider, privileges target', {
  provider,
  newGrant: async () => byPrivileges(`${suffix}_p${++identities}`),
  observe: accountsOf,
  createsCredentials: true,
  openSession: sessionOf,
});

describe('MySQL provider, what a level allows', () => {
  const mysql = provider();
  const levelRole = `${suffix}_level`;

  beforeAll(() =>
    asAdmin(async (db) => {
      await db.query(`CREATE ROLE ${levelRole}`);
      await db.query(`GRANT INSERT, UPDATE ON ${database}.numbers TO ${levelRole}`);
      await db.query(`GRANT ${readRole} TO ${levelRole}`);
    }),
  );
  afterAll(() => asAdmin((db) => db.query(`DROP ROLE IF EXISTS ${levelRole}`)));

  test("a role target is the role's grants and those of the roles granted to it, from SHOW GRANTS", async () => {
    expect(await mysql.describeLevel!({ role: levelRole })).toBe(
      `INSERT, UPDATE on \`${database}\`.\`numbers\`; SELECT on \`${database}\`.*; through \`${readRole}\`.`,
    );
    expect(await mysql.describeLevel!({ role: readRole })).toBe(`SELECT on \`${database}\`.*.`);
    expect(await mysql.describeLevel!({ role: `${suffix}_gone` })).toBe(`The role \`${suffix}_gone\` does not exist.`);
  });

  test('a privileges target is those privileges, and what they reach in the database now', async () => {
    expect(await mysql.describeLevel!(byPrivileges('x').target)).toBe(`SELECT, INSERT on \`${database}\`.\`numbers\`.`);
    expect(await mysql.describeLevel!({ privileges: ['SELECT'], database })).toBe(`SELECT on every table of \`${database}\` (1 now).`);
    expect(await mysql.describeLevel!({ privileges: ['DELETE'], database, table: 'nothing' })).toBe(
      `DELETE on \`${database}\`.\`nothing\` (no such table yet).`,
    );
  });
});

describe('MySQL provider', () => {
  const mysql = provider();

  test('the drift check sees the temporary users that hold each level, named as their grants name them, and none after the revoke', async () => {
    const viaRole = byRole(`${suffix}_d1`);
    const viaPrivileges = byPrivileges(`${suffix}_d2`);
    await mysql.grant(viaRole);
    await mysql.grant(viaPrivileges);
    const holders = async () => [await mysql.holders!(viaRole.target), await mysql.holders!(viaPrivileges.target)];
    expect(await holders()).toEqual([[mysql.accessKey!(viaRole)], [mysql.accessKey!(viaPrivileges)]]);
    await mysql.revoke(viaRole);
    await mysql.revoke(viaPrivileges);
    expect(await holders()).toEqual([[], []]);
  });

  test('the temporary user connects with the one-time password and has the role during the grant, and is refused after the revoke', async () => {
    const grant = byRole(`${suffix}_alice`);
    const access = await mysql.grant(grant);
    expect(access.lines.join('\n')).toContain(`--user=${temporaryName(grant.identity, grant.requestId)}`);
    const session = await connectAs(grant, access.oneTimeSecret);
    try {
      expect((await session.query('SELECT n FROM numbers'))[0]).toEqual([{ n: 7 }]);
      await expect(session.query('INSERT INTO numbers VALUES (8)')).rejects.toThrow(/denied/);
      await mysql.revoke(grant);
      // The open connection is killed at revoke, and a new one is refused.
      await expect(session.query('SELECT 1')).rejects.toThrow();
    } finally {
      session.destroy();
    }
    await expect(connectAs(grant, access.oneTimeSecret)).rejects.toThrow(/Access denied/);
  });

  test('a live connection of the temporary user keeps the check true after its account is gone, until the revoke kills it', async () => {
    const grant = byRole(`${suffix}_erin`);
    const session = await sessionOf(grant, await mysql.grant(grant));
    try {
      // The account alone is dropped (by hand, or by a revoke whose kill failed): the open connection still reads.
      await asAdmin((db) => db.query('DROP USER ?@?', [temporaryName(grant.identity, grant.requestId), '%']));
      await session.exercise();
      expect(await mysql.check(grant)).toBe(true);
      await mysql.revoke(grant);
      await expect(session.exercise()).rejects.toThrow();
      expect(await mysql.check(grant)).toBe(false);
    } finally {
      await session.close();
    }
  });

  test('when the target refuses the DROP USER, the open connections are killed all the same', async () => {
    // An admin that may see and kill connections, but not drop users.
    const killer = `${suffix}_killer`;
    await asAdmin(async (db) => {
      await db.query('CREATE USER ?@? IDENTIFIED BY ?', [killer, '%', 'killer-password']);
      await db.query('GRANT PROCESS, CONNECTION ADMIN ON *.* TO ?@?', [killer, '%']);
    });
    const weakAdmin = mysqlProvider.create(
      { connectionEnv: 'WEAK_ADMIN_URL' },
      { WEAK_ADMIN_URL: `mysql://${killer}:killer-password@127.0.0.1:3306` },
    );
    const grant = byRole(`${suffix}_fred`);
    const session = await sessionOf(grant, await mysql.grant(grant));
    try {
      await session.exercise();
      await expect(weakAdmin.revoke(grant)).rejects.toThrow(/denied/);
      await expect(session.exercise()).rejects.toThrow();
    } finally {
      await session.close();
      await mysql.revoke(grant);
    }
  });

  test('a privileges target grants exactly those privileges on that table', async () => {
    const grant = byPrivileges(`${suffix}_bob`);
    const access = await mysql.grant(grant);
    const session = await connectAs(grant, access.oneTimeSecret);
    try {
      await expect(session.query('INSERT INTO numbers VALUES (9)')).resolves.toBeDefined();
      await expect(session.query('DELETE FROM numbers')).rejects.toThrow(/denied/);
    } finally {
      await session.end();
      await mysql.revoke(grant);
    }
    expect(await mysql.check(grant)).toBe(false);
  });

  test('a retried grant replaces the password: only the last one delivered works', async () => {
    const grant = byRole(`${suffix}_carol`);
    const first = await mysql.grant(grant);
    const second = await mysql.grant(grant);
    try {
      expect(second.oneTimeSecret).not.toBe(first.oneTimeSecret);
      await expect(connectAs(grant, first.oneTimeSecret)).rejects.toThrow(/Access denied/);
      await (await connectAs(grant, second.oneTimeSecret)).end();
    } finally {
      await mysql.revoke(grant);
    }
  });

  test('names that are not plain MySQL names never reach SQL', async () => {
    await expect(mysql.grant(byRole("bob'@'%'; DROP DATABASE x; --"))).rejects.toMatchObject({ code: 'INVALID_IDENTITY' });
    await expect(mysql.grant(byRole('a_name_far_too_long_for_mysql_users'))).rejects.toMatchObject({ code: 'INVALID_IDENTITY' });
    await expect(mysql.grant({ ...byRole(`${suffix}_dave`), target: { role: 'x`; DROP DATABASE y' } })).rejects.toMatchObject({
      code: 'TARGET_REJECTED',
    });
    await expect(mysql.grant({ ...byRole(`${suffix}_dave`), target: { privileges: ['ALL PRIVILEGES'], database } })).rejects.toMatchObject({
      code: 'TARGET_REJECTED',
    });
  });

  test("validateConfig connects, finds each level's role, and says so when it cannot", async () => {
    await expect(mysqlProvider.validateConfig({ connectionEnv: 'PROVIDER_TEST_MYSQL_URL' }, env)).resolves.toBeUndefined();
    const levels = [{ role: readRole }, { privileges: ['SELECT'], database }];
    await expect(mysqlProvider.validateConfig({ connectionEnv: 'PROVIDER_TEST_MYSQL_URL' }, env, levels)).resolves.toBeUndefined();
    await expect(
      mysqlProvider.validateConfig({ connectionEnv: 'PROVIDER_TEST_MYSQL_URL' }, env, [...levels, { role: `${suffix}_nope` }]),
    ).rejects.toThrow(`the server has no role "${suffix}_nope" (named by a level)`);
    await expect(mysqlProvider.validateConfig({ connectionEnv: 'X' }, { X: 'mysql://root@127.0.0.1:1/none' })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  test('an admin without CREATE USER fails the grant with an error, and a log line, that hold no password or statement', async () => {
    // DROP USER needs only DELETE on mysql.*, so the grant gets as far as CREATE USER … IDENTIFIED BY '<password>'.
    const admin = `${suffix}_limited`;
    await asAdmin(async (db) => {
      await db.query(`CREATE USER '${admin}'@'%' IDENTIFIED BY 'limited-pw'`);
      await db.query(`GRANT DELETE ON mysql.* TO '${admin}'@'%'`);
    });
    const limited = mysqlProvider.create(
      { connectionEnv: 'LIMITED_ADMIN_URL' },
      { LIMITED_ADMIN_URL: `mysql://${admin}:limited-pw@127.0.0.1:3306/` },
    );
    const error = (await limited.grant(byRole(`${suffix}_lim`)).catch((e: unknown) => e)) as Error & Record<string, unknown>;
    expect(error.message).toMatch(/CREATE USER/);
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(chunk.toString())) });
    // As the worker logs a failed job.
    createLogger({ level: 'info', pretty: false, destination }).warn({ queue: 'access', job: 'grant', err: error }, 'job failed');

    const everything = [JSON.stringify({ ...error }), error.message, error.stack, ...lines].join('\n');
    expect(lines).toHaveLength(1);
    expect(everything).not.toMatch(/IDENTIFIED BY|limited-pw/);
    // A password is 32 base64url characters: none may appear, quoted or not.
    expect(everything).not.toMatch(/[A-Za-z0-9_-]{32}/);
  });
});
