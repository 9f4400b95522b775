import { type Connection, createConnection, createPool, escape, escapeId, type RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import { PermanentError, ProviderError } from '../domain/errors';
import { normalizeStatement, SESSIONS_LISTED, type TargetSession } from '../domain/sessions';
import {
  type AdminAccess,
  adminConnection,
  code,
  connectionLines,
  endpointOf,
  envName,
  isTemporaryName,
  poolSize,
  randomPassword,
  summaryOf,
  TEMPORARY_SUFFIX_LENGTH,
  temporaryName,
  untilConnectionsGone,
} from './support';
import { type AccessInstructions, type AccessProvider, defineProviderKind, type GrantSpec } from './types';

/** MySQL limits user names to 32 characters; the temporary user is `<identity>_pa<request id>`. */
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;
const IDENTITY_PATTERN = `^[A-Za-z0-9_][A-Za-z0-9_.-]{0,${31 - TEMPORARY_SUFFIX_LENGTH}}$`;
const objectName = z.string().regex(/^[A-Za-z0-9_$]{1,64}$/, 'must be a MySQL name: letters, digits, _ or $, at most 64');

/** Privileges a level may grant on a database or table; administrative ones (GRANT OPTION, SUPER, …) are not offered. */
const PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'EXECUTE', 'SHOW VIEW', 'CREATE TEMPORARY TABLES', 'LOCK TABLES'] as const;

const settingsSchema = z.strictObject({
  /** Name of the environment variable that holds an admin connection URL, like mysql://admin:…@db:3306/orders. */
  connectionEnv: envName,
  /** Where the temporary user may connect from (MySQL's host part of an account). */
  userHost: z
    .string()
    .regex(/^[A-Za-z0-9.%_:-]{1,60}$/, 'must be a MySQL account host like %, 10.0.% or app.internal')
    .default('%'),
  poolSize,
});
type Settings = z.infer<typeof settingsSchema>;

const targetSchema = z
  .strictObject({
    /** Grant this role (MariaDB 10.0.5+, MySQL 8) and make it the user's default role. */
    role: objectName.optional(),
    /** Or grant these privileges on `database` (or only on `table` in it). */
    privileges: z.array(z.enum(PRIVILEGES)).min(1).optional(),
    database: objectName.optional(),
    table: objectName.optional(),
  })
  .refine((t) => (t.role === undefined) !== (t.privileges === undefined), 'give either role, or privileges with a database')
  .refine((t) => t.privileges === undefined || t.database !== undefined, { path: ['database'], message: 'privileges need a database' });
type Target = z.infer<typeof targetSchema>;

const ADMIN_OPTIONS = { connectTimeout: 5000, multipleStatements: false };

const admin = adminConnection<Connection>({
  pool: (url, { size, onError }) => {
    const pool = createPool({ uri: url, ...ADMIN_OPTIONS, connectionLimit: size });
    // mysql2 drops a connection at its first error and listens no further: a second one would be unhandled.
    pool.pool.on('connection', (connection) => connection.on('error', onError));
    return {
      acquire: async () => {
        const connection = await pool.getConnection();
        return { connection, release: () => connection.release() };
      },
      end: () => pool.end(),
    };
  },
  open: (url) => createConnection({ uri: url, ...ADMIN_OPTIONS }),
  close: (db) => db.end(),
  ping: (db) => db.query('SELECT 1'),
});

export const mysqlProvider = defineProviderKind({
  kind: 'mysql',
  settingsSchema,
  targetSchema,
  identityPattern: IDENTITY_PATTERN,
  requiredEnv: admin.requiredEnv,
  validateConfig: (settings, env, levelTargets) => admin.validateConfig(settings, env, (db) => assertRolesExist(db, levelTargets)),
  create: (settings, env, context) => new MysqlProvider(settings, admin.access(settings, env, context.pools)),
});

/** A temporary user with a one-time password, holding the level's role or privileges; dropped at revoke. */
class MysqlProvider implements AccessProvider<Target> {
  constructor(
    private readonly settings: Settings,
    private readonly admin: AdminAccess<Connection>,
  ) {}

  async grant(spec: GrantSpec<Target>): Promise<AccessInstructions> {
    const user = this.userName(spec);
    const account = this.account(user);
    const password = randomPassword();
    await this.admin.run(async (db) => {
      // A retried grant recreates the user, so only the password delivered last works.
      await dropUser(db, user, account);
      await db.query(`CREATE USER ${account} IDENTIFIED BY ${escape(password)}`);
      const { role, privileges, database, table } = spec.target;
      if (role !== undefined) {
        await db.query(`GRANT ${escapeId(role)} TO ${account}`);
        await db.query(
          (await isMariaDb(db)) ? `SET DEFAULT ROLE ${escapeId(role)} FOR ${account}` : `SET DEFAULT ROLE ${escapeId(role)} TO ${account}`,
        );
      } else {
        await db.query(`GRANT ${privileges!.join(', ')} ON ${grantScope(database!, table)} TO ${account}`);
      }
    });
    const endpoint = endpointOf(this.admin.url(), '3306', user);
    const connect = `mysql --host=${endpoint.host} --port=${endpoint.port} --user=${user} --password${endpoint.database ? ` ${endpoint.database}` : ''}`;
    return { lines: connectionLines(endpoint, connect, spec.expiresAt), oneTimeSecret: password };
  }

  async revoke(spec: GrantSpec<Target>): Promise<void> {
    const user = this.userName(spec);
    await this.admin.run((db) => dropUser(db, user, this.account(user)));
  }

  /** The user holds the level, or a connection of it is still open (it keeps its rights after DROP USER). */
  async check(spec: GrantSpec<Target>): Promise<boolean> {
    const user = this.userName(spec);
    return this.admin.run(
      async (db) => (await this.usersHolding(db, spec.target)).includes(user) || (await connectionsOf(db, user)).length > 0,
    );
  }

  /**
   * The temporary user's connections in the processlist. It shows the statement running now, never the one
   * before (an idle connection has none), and neither when a connection began nor the client's name.
   */
  async sessions(spec: GrantSpec<Target>): Promise<TargetSession[]> {
    const user = this.userName(spec);
    return this.admin.run(async (db) =>
      (
        await rows(
          db,
          'SELECT ID, HOST, COMMAND, INFO FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID() ORDER BY ID LIMIT ?',
          [user, SESSIONS_LISTED],
        )
      ).map((row) => ({
        id: String(row.ID),
        startedAt: null,
        clientAddress: row.HOST ? String(row.HOST) : null,
        application: null,
        state: row.COMMAND ? String(row.COMMAND) : null,
        statement: row.INFO ? normalizeStatement(String(row.INFO), 'mysql') : null,
      })),
    );
  }

  /** For the drift check: the temporary users that hold the level's role or privileges. */
  async holders(target: Target): Promise<string[]> {
    return (await this.admin.run((db) => this.usersHolding(db, target))).filter(isTemporaryName);
  }

  /** The role's grants (its inherited roles' included), or the level's privileges and what they reach now. */
  async describeLevel(target: Target): Promise<string> {
    const { role, privileges, database, table } = target;
    return this.admin.run(async (db) => {
      if (role !== undefined) return describeRole(db, role);
      if (table !== undefined) {
        const [found] = await rows(db, 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [
          database,
          table,
        ]);
        return `${privileges!.join(', ')} on ${code(database!)}.${code(table)}${found ? '' : ' (no such table yet)'}.`;
      }
      const [count] = await rows(db, 'SELECT COUNT(*) AS tables FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [database]);
      const tables = Number(count?.tables ?? 0);
      return `${privileges!.join(', ')} on every table of ${code(database!)} (${tables} now).`;
    });
  }

  /** Each grant has a user of its own, so the user names the access. */
  accessKey(spec: GrantSpec<Target>): string {
    return this.userName(spec);
  }

  /** The users of our account host holding the target's role, or every one of its privileges. */
  private async usersHolding(db: Connection, target: Target): Promise<string[]> {
    const host = this.settings.userHost;
    const { role, privileges, database, table } = target;
    if (role !== undefined) {
      const sql = (await isMariaDb(db))
        ? 'SELECT User AS user FROM mysql.roles_mapping WHERE Host = ? AND Role = ?'
        : 'SELECT TO_USER AS user FROM mysql.role_edges WHERE TO_HOST = ? AND FROM_USER = ?';
      return (await rows(db, sql, [host, role])).map((row) => String(row.user));
    }
    const held = await rows(
      db,
      table === undefined
        ? 'SELECT GRANTEE AS grantee, PRIVILEGE_TYPE AS privilege FROM information_schema.SCHEMA_PRIVILEGES WHERE TABLE_SCHEMA = ?'
        : 'SELECT GRANTEE AS grantee, PRIVILEGE_TYPE AS privilege FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [database, table],
    );
    const byUser = new Map<string, Set<string>>();
    for (const row of held) {
      const account = /^'(.*)'@'(.*)'$/.exec(String(row.grantee));
      if (account?.[2] !== host) continue;
      byUser.set(account[1]!, (byUser.get(account[1]!) ?? new Set()).add(String(row.privilege)));
    }
    return [...byUser].filter(([, types]) => privileges!.every((p) => types.has(p))).map(([user]) => user);
  }

  private userName(spec: GrantSpec<Target>): string {
    const name = temporaryName(spec.identity, spec.requestId);
    if (!USER_NAME.test(name))
      throw new PermanentError('INVALID_IDENTITY', `"${name}" is not a valid MySQL user name (at most 32 characters).`);
    return name;
  }

  private account(user: string): string {
    return `${escape(user)}@${escape(this.settings.userHost)}`;
  }
}

/** Every level's role must be an account (MySQL and MariaDB keep roles in mysql.user); privileges are checked by GRANT. */
async function assertRolesExist(db: Connection, targets: Target[]): Promise<void> {
  const roles = targets.flatMap((t) => (t.role === undefined ? [] : [t.role]));
  if (roles.length === 0) return;
  const found = new Set(
    (await rows(db, 'SELECT DISTINCT User AS role FROM mysql.user WHERE User IN (?)', [roles])).map((r) => String(r.role)),
  );
  const missing = roles.filter((role) => !found.has(role));
  if (missing.length > 0) {
    throw new ProviderError('PROVIDER_ERROR', `the server has no role ${missing.map((r) => `"${r}"`).join(', ')} (named by a level)`);
  }
}

async function rows(db: Connection, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
  const [result] = await db.query<RowDataPacket[]>(sql, params);
  return result;
}

async function isMariaDb(db: Connection): Promise<boolean> {
  const [version] = await rows(db, 'SELECT VERSION() AS version', []);
  return String(version?.version).includes('MariaDB');
}

/** The most roles a summary follows through the roles granted to a level's role. */
const ROLES_FOLLOWED = 10;
/** `GRANT <privileges> ON <scope> TO …`: only these two parts are kept, never the rest of the line (a user's may hold a password hash). */
const PRIVILEGE_GRANT = /^GRANT (.+?) ON (.+?) TO /;
/** `GRANT <role>[, <role>…] TO …`: roles granted to the role, each `name` or `name`@`host`. */
const ROLE_GRANT = /^GRANT ((?:`(?:[^`]|``)+`(?:@`(?:[^`]|``)*`)?(?:, )?)+) TO /;
const ROLE_NAME_IN_GRANT = /`((?:[^`]|``)+)`(?:@`((?:[^`]|``)*)`)?/g;

/** What a member of `role` may do, from SHOW GRANTS of the role and of the roles granted to it. */
async function describeRole(db: Connection, role: string): Promise<string> {
  const privileges = new Set<string>();
  const inherited: string[] = [];
  const queue: { name: string; host?: string }[] = [{ name: role }];
  for (let i = 0; i < queue.length && i < ROLES_FOLLOWED; i++) {
    const { name, host } = queue[i]!;
    const lines = await showGrants(db, name, host);
    if (lines === null) {
      if (i === 0) return `The role ${code(role)} does not exist.`;
      continue;
    }
    for (const line of lines) {
      const grant = PRIVILEGE_GRANT.exec(line);
      if (grant) {
        if (grant[1] !== 'USAGE') privileges.add(`${grant[1]} on ${grant[2]}`);
        continue;
      }
      const roles = ROLE_GRANT.exec(line)?.[1] ?? '';
      for (const [, granted, grantedHost] of roles.matchAll(ROLE_NAME_IN_GRANT)) {
        const next = { name: granted!.replace(/``/g, '`'), host: grantedHost?.replace(/``/g, '`') };
        if (queue.some((known) => known.name === next.name && known.host === next.host)) continue;
        queue.push(next);
        inherited.push(code(next.name));
      }
    }
  }
  const parts = [...privileges, ...(inherited.length > 0 ? [`through ${inherited.join(', ')}`] : [])];
  return parts.length > 0 ? summaryOf(parts) : `The role ${code(role)} grants no privileges.`;
}

/** SHOW GRANTS of a role (of an account, with `host`), one line each; null when there is none. */
async function showGrants(db: Connection, name: string, host?: string): Promise<string[] | null> {
  try {
    const granted = await rows(db, `SHOW GRANTS FOR ${escape(name)}${host === undefined ? '' : `@${escape(host)}`}`, []);
    return granted.map((row) => String(Object.values(row)[0]));
  } catch (e) {
    // ER_NONEXISTING_GRANT: no such role or account.
    if ((e as { errno?: number }).errno === 1141) return null;
    throw e;
  }
}

function grantScope(database: string, table: string | undefined): string {
  return `${escapeId(database)}.${table === undefined ? '*' : escapeId(table)}`;
}

/**
 * Dropped first so nobody logs in again, then the connections still open as that user (which keep its
 * rights) are killed, whether or not the drop worked.
 */
async function dropUser(db: Connection, user: string, account: string): Promise<void> {
  try {
    await db.query(`DROP USER IF EXISTS ${account}`);
  } finally {
    for (const id of await connectionsOf(db, user)) {
      // A connection may end on its own between the read and the kill.
      await db.query(`KILL CONNECTION ${id}`).catch((e: { errno?: number }) => {
        if (e.errno !== 1094) throw e;
      });
    }
    await untilConnectionsGone(async () => (await connectionsOf(db, user)).length, user);
  }
}

async function connectionsOf(db: Connection, user: string): Promise<number[]> {
  return (await rows(db, 'SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()', [user])).map((row) =>
    Number(row.ID),
  );
}
