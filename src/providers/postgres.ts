import { Client, type ClientBase, type DatabaseError, escapeIdentifier, escapeLiteral, Pool } from 'pg';
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
  poolSize,
  randomPassword,
  SESSIONS_TIMEOUT_MS,
  summaryOf,
  TEMPORARY_SUFFIX_LENGTH,
  temporaryName,
} from './support';
import { type AccessInstructions, type AccessProvider, defineProviderKind, type GrantSpec, type ProviderContext } from './types';

/** PostgreSQL's unquoted identifier rules; anything else is refused rather than quoted into shape. */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const roleName = z.string().regex(ROLE_NAME, 'must be a PostgreSQL role name: lower-case letters, digits and _, at most 63');

const settingsSchema = z.strictObject({
  /** Name of the environment variable that holds an admin connection URL. */
  connectionEnv: envName,
  /**
   * grant-role: grant the level's role to the user's existing login role.
   * login-role: create a temporary login role with VALID UNTIL and a one-time password, dropped at revoke.
   */
  mode: z.enum(['grant-role', 'login-role']).default('grant-role'),
  poolSize,
});
type Settings = z.infer<typeof settingsSchema>;

const targetSchema = z.strictObject({ role: roleName });
type Target = z.infer<typeof targetSchema>;

const admin = adminConnection<ClientBase>({
  pool: (url, { size, idleMs, onError }) => {
    const pool = new Pool({ connectionString: url, max: size, idleTimeoutMillis: idleMs, connectionTimeoutMillis: 5000 });
    // An idle client's error reaches the pool's listener. A checked-out one's, between two queries, would be
    // unhandled without a listener of its own; its call learns of it from its next query.
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return {
      acquire: async () => {
        const client = await pool.connect();
        return { connection: client, release: () => client.release() };
      },
      end: () => pool.end(),
    };
  },
  open: async (url) => {
    const db = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await db.connect();
    return db;
  },
  // Only the connections `open` made are closed here, and those are Clients.
  close: (db) => (db as Client).end(),
  ping: (db) => db.query('SELECT 1'),
});

export const postgresProvider = defineProviderKind({
  kind: 'postgres',
  settingsSchema,
  targetSchema,
  // login-role appends `_pa<request id>` to the identity; the result must still be a role name.
  identityPattern: (settings) =>
    settings.mode === 'login-role' ? `^[a-z_][a-z0-9_]{0,${62 - TEMPORARY_SUFFIX_LENGTH}}$` : ROLE_NAME.source,
  requiredEnv: admin.requiredEnv,
  validateConfig: (settings, env, levelTargets) =>
    admin.validateConfig(settings, env, (db) =>
      assertRolesExist(
        db,
        levelTargets.map((t) => t.role),
      ),
    ),
  create: (settings, env, context) => new PostgresProvider(settings, admin.access(settings, env, context.pools), context),
});

/** The roles that are direct members of role $1. */
const MEMBERS_OF_ROLE = `SELECT member.rolname AS member FROM pg_auth_members m
  JOIN pg_roles granted ON granted.oid = m.roleid
  JOIN pg_roles member ON member.oid = m.member
 WHERE granted.rolname = $1`;

/** PostgreSQL 16 added membership options: a role can be granted for its privileges alone, without SET ROLE. */
const MEMBERSHIP_OPTIONS_SINCE = 160000;

/**
 * The GRANT of a level role to a person's login. From PostgreSQL 16 on it is `WITH INHERIT TRUE, SET FALSE`:
 * the login uses the role's privileges (whatever its own INHERIT default says) but no session can SET ROLE
 * to it, so the REVOKE takes the privileges from every open session at once and none has to be ended.
 */
export function grantMembershipStatement(role: string, login: string, serverVersion: number): string {
  const grant = `GRANT ${escapeIdentifier(role)} TO ${escapeIdentifier(login)}`;
  return serverVersion >= MEMBERSHIP_OPTIONS_SINCE ? `${grant} WITH INHERIT TRUE, SET FALSE` : grant;
}

/** How long the revoke waits for each session it ends to exit (taking its temporary tables with it). */
const SESSION_EXIT_WAIT_MS = 5000;

/**
 * Sessions of login $1 (by oid) that started before $2 and before this statement, other than our own. An
 * admin without pg_read_all_stats sees no backend_start: such a session counts, so that the revoke fails
 * loudly (it cannot end it either) instead of leaving it unseen.
 */
const SESSIONS_OF = `SELECT pid FROM pg_stat_activity
 WHERE usesysid = $1 AND pid <> pg_backend_pid()
   AND (backend_start IS NULL OR backend_start < least(statement_timestamp(), $2::timestamptz))`;

class PostgresProvider implements AccessProvider<Target> {
  private readonly levelRoles: ReadonlySet<string>;

  constructor(
    private readonly settings: Settings,
    private readonly admin: AdminAccess<ClientBase>,
    context: ProviderContext<Target>,
  ) {
    this.levelRoles = new Set(context.levelTargets.map((target) => target.role));
  }

  async grant(spec: GrantSpec<Target>): Promise<AccessInstructions> {
    const { role } = spec.target;
    const login = this.loginName(spec);
    return this.admin.run(async (db) => {
      if (this.settings.mode === 'grant-role') {
        await this.assertGrantableLogin(db, login, role);
        await db.query(grantMembershipStatement(role, login, await serverVersion(db)));
        return { lines: this.connectionLines(login, spec.expiresAt) };
      }
      // A retried grant must not hand out a second password for the same role: recreate it.
      const password = randomPassword();
      await dropLogin(db, login, role);
      await db.query(
        `CREATE ROLE ${escapeIdentifier(login)} LOGIN PASSWORD ${escapeLiteral(password)} ` +
          `VALID UNTIL ${escapeLiteral(spec.expiresAt.toISOString())} IN ROLE ${escapeIdentifier(role)}`,
      );
      return { lines: this.connectionLines(login, spec.expiresAt), oneTimeSecret: password };
    });
  }

  async revoke(spec: GrantSpec<Target>): Promise<void> {
    const { role } = spec.target;
    const login = this.loginName(spec);
    await this.admin.run(async (db) => {
      if (this.settings.mode === 'login-role') {
        await dropLogin(db, login, role);
        return;
      }
      const oid = await roleOid(db, login);
      if (oid === undefined) return;
      const mayHaveSetRole = await this.sessionsMayHaveSetRole(db, role, oid);
      try {
        await db.query(`REVOKE ${escapeIdentifier(role)} FROM ${escapeIdentifier(login)}`);
      } finally {
        // The login is the person's own, so ending its sessions is drastic; but a session that ran SET ROLE keeps
        // the role after the REVOKE, and PostgreSQL shows no session's current role (pg_stat_activity has only
        // the session user), so which sessions did cannot be told. Any session alive during the grant could
        // have, including one opened before it; sessions opened after the REVOKE cannot. So every session of
        // the login that started before now is ended, on a retry too (the earlier try may have failed here).
        if (mayHaveSetRole) await endSessions(db, login, oid);
      }
    });
  }

  /**
   * Reads the target: the membership, or a session that may still hold the role without it: any session of
   * a temporary login, or (where SET ROLE is possible) a session of the person's login that was open while
   * the grant was meant to last. After an early revoke that also counts a session opened since, until the
   * expiry: the revoke is then retried and ends it, erring on the side of the access being gone.
   */
  async check(spec: GrantSpec<Target>): Promise<boolean> {
    const { role } = spec.target;
    const login = this.loginName(spec);
    return this.admin.run(async (db) => {
      const { rowCount } = await db.query(`${MEMBERS_OF_ROLE} AND member.rolname = $2`, [role, login]);
      if ((rowCount ?? 0) > 0) return true;
      const oid = await roleOid(db, login);
      if (oid === undefined) return false;
      if (this.settings.mode === 'login-role') return (await sessionsOf(db, oid, 'infinity')).length > 0;
      // The membership is gone, so PostgreSQL 16's SET option can no longer be read: its grants never allow SET ROLE.
      if ((await serverVersion(db)) >= MEMBERSHIP_OPTIONS_SINCE) return false;
      return (await sessionsOf(db, oid, spec.expiresAt.toISOString())).length > 0;
    });
  }

  /**
   * The login's sessions in pg_stat_activity, with their current or last statement. In grant-role mode the
   * login is the person's own: its sessions are the grant's only while it holds the level's role, so once
   * the membership is gone (revoked, or never granted) none is listed.
   */
  async sessions(spec: GrantSpec<Target>): Promise<TargetSession[]> {
    const login = this.loginName(spec);
    return this.admin.run(async (db) => {
      if (this.settings.mode === 'grant-role') {
        const { rowCount } = await db.query(`${MEMBERS_OF_ROLE} AND member.rolname = $2`, [spec.target.role, login]);
        if ((rowCount ?? 0) === 0) return [];
      }
      const oid = await roleOid(db, login);
      return oid === undefined ? [] : readOnly(db, () => activityOf(db, oid));
    });
  }

  async holders(target: Target): Promise<string[]> {
    return this.admin.run(async (db) => {
      const { rows } = await db.query<{ member: string }>(MEMBERS_OF_ROLE, [target.role]);
      return rows.map((r) => `${r.member}→${target.role}`);
    });
  }

  /** The privileges the level's role gives in the admin URL's database, its inherited roles' included. */
  async describeLevel(target: Target): Promise<string> {
    return this.admin.run((db) => describeRole(db, target.role));
  }

  /** In grant-role mode, overlapping grants of one role to one login share that membership. */
  accessKey(spec: GrantSpec<Target>): string {
    return `${this.loginName(spec)}→${spec.target.role}`;
  }

  /** In login-role mode each grant gets its own role, so overlapping grants never share a password. */
  private loginName(spec: GrantSpec<Target>): string {
    const name = this.settings.mode === 'login-role' ? temporaryName(spec.identity, spec.requestId) : spec.identity;
    if (!ROLE_NAME.test(name)) {
      throw new PermanentError('INVALID_IDENTITY', `"${name}" is not a valid PostgreSQL role name.`);
    }
    return name;
  }

  /**
   * grant-role mode grants only to a person's own plain login. A level role or a group role would pass the
   * level on to all of its members (for as long as they are members); a superuser needs no grant, and its
   * sessions could not be ended by the revoke; a NOLOGIN role is nobody's login.
   */
  private async assertGrantableLogin(db: ClientBase, login: string, levelRole: string): Promise<void> {
    const { rows } = await db.query<{ rolsuper: boolean; rolcanlogin: boolean; has_members: boolean }>(
      `SELECT r.rolsuper, r.rolcanlogin, EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid) AS has_members
         FROM pg_roles r WHERE r.rolname = $1`,
      [login],
    );
    const found = rows[0];
    if (!found) throw new PermanentError('TARGET_REJECTED', `The database has no role "${login}" to grant access to.`);
    const refusal =
      login === levelRole || this.levelRoles.has(login)
        ? "is one of this resource's level roles"
        : found.rolsuper
          ? 'is a superuser'
          : found.has_members
            ? 'has members (a group role)'
            : !found.rolcanlogin
              ? 'cannot log in (NOLOGIN)'
              : undefined;
    if (refusal) {
      throw new PermanentError(
        'INVALID_IDENTITY',
        `The role "${login}" ${refusal}; grant-role mode grants only to a person's own login role.`,
      );
    }
  }

  /** Before PostgreSQL 16 every membership allows SET ROLE; from 16 on, only one granted WITH SET TRUE (not ours). */
  private async sessionsMayHaveSetRole(db: ClientBase, role: string, loginOid: number): Promise<boolean> {
    if ((await serverVersion(db)) < MEMBERSHIP_OPTIONS_SINCE) return true;
    const { rowCount } = await db.query(
      'SELECT 1 FROM pg_auth_members m JOIN pg_roles granted ON granted.oid = m.roleid WHERE granted.rolname = $1 AND m.member = $2 AND m.set_option',
      [role, loginOid],
    );
    return (rowCount ?? 0) > 0;
  }

  private connectionLines(login: string, expiresAt: Date): string[] {
    const endpoint = endpointOf(this.admin.url(), '5432', login);
    const database = endpoint.database ?? 'postgres';
    return connectionLines(
      { ...endpoint, database },
      `psql "host=${endpoint.host} port=${endpoint.port} dbname=${database} user=${login}"`,
      expiresAt,
    );
  }
}

/** The roles whose privileges role $1 uses without SET ROLE: itself and those it inherits, as PostgreSQL decides it. */
const PRIVILEGES_OF = `SELECT oid FROM pg_roles WHERE pg_has_role($1::name, oid, 'USAGE')`;
/** Schemas (`n`, of pg_namespace) of the database's own: the system catalogs' grants are everyone's. */
const USER_SCHEMA = `n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;
const ORDER = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'TRUNCATE',
  'REFERENCES',
  'TRIGGER',
  'MAINTAIN',
  'USAGE',
  'CREATE',
  'CONNECT',
  'TEMPORARY',
];

/**
 * Per schema, the tables (views included) and sequences the role may use, grouped by the privileges it has on
 * them: its own grants and its inherited roles', an owner's implicit ones too (acldefault), PUBLIC's left out.
 */
const RELATIONS_OF = `WITH holders AS (${PRIVILEGES_OF}),
held AS (
  SELECT DISTINCT n.nspname AS schema, c.relkind = 'S' AS sequence, c.oid AS relation, a.privilege_type AS privilege,
         c.relowner IN (SELECT oid FROM holders) AS owned
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
   CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's'::"char" ELSE 'r'::"char" END, c.relowner))) a
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND NOT c.relispartition AND a.grantee IN (SELECT oid FROM holders)
     AND ${USER_SCHEMA}),
per_relation AS (
  SELECT schema, sequence, owned, string_agg(privilege, ', ' ORDER BY array_position($2::text[], privilege), privilege) AS privileges
    FROM held GROUP BY schema, sequence, owned, relation)
SELECT schema, sequence, owned, privileges, count(*)::int AS relations
  FROM per_relation GROUP BY schema, sequence, owned, privileges
 ORDER BY relations DESC, schema, privileges`;

/** The role's privileges on the schemas and on the admin URL's database itself (PUBLIC's left out). */
const CONTAINERS_OF = `WITH holders AS (${PRIVILEGES_OF}),
held AS (
  SELECT DISTINCT 'schema' AS kind, n.nspname AS name, a.privilege_type AS privilege
    FROM pg_namespace n CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
   WHERE a.grantee IN (SELECT oid FROM holders) AND ${USER_SCHEMA}
  UNION
  SELECT DISTINCT 'database', d.datname, a.privilege_type
    FROM pg_database d CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
   WHERE d.datname = current_database() AND a.grantee IN (SELECT oid FROM holders))
SELECT kind, name, string_agg(privilege, ', ' ORDER BY array_position($2::text[], privilege), privilege) AS privileges
  FROM held GROUP BY kind, name ORDER BY kind, name`;

/**
 * What a member of `role` may do in this database, in a few parts: its attributes, the roles it inherits,
 * then its privileges on the database, schemas, tables and sequences ("SELECT on 14 tables in `public`").
 */
async function describeRole(db: ClientBase, role: string): Promise<string> {
  const { rows: found } = await db.query<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolbypassrls: boolean }>(
    'SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = $1',
    [role],
  );
  const attributes = found[0];
  if (!attributes) return `The role ${code(role)} does not exist in the database.`;
  const { rows: inherited } = await db.query<{ rolname: string }>(
    `SELECT rolname FROM pg_roles WHERE oid IN (${PRIVILEGES_OF}) AND rolname <> $1 ORDER BY rolname`,
    [role],
  );
  const { rows: containers } = await db.query<{ kind: string; name: string; privileges: string }>(CONTAINERS_OF, [role, ORDER]);
  const { rows: relations } = await db.query<{ schema: string; sequence: boolean; owned: boolean; privileges: string; relations: number }>(
    RELATIONS_OF,
    [role, ORDER],
  );
  const flags = [
    attributes.rolsuper && 'SUPERUSER',
    attributes.rolcreaterole && 'CREATEROLE',
    attributes.rolcreatedb && 'CREATEDB',
    attributes.rolbypassrls && 'BYPASSRLS',
  ].filter(Boolean);
  const parts = [
    ...(flags.length > 0 ? [`the role is ${flags.join(', ')}`] : []),
    ...(inherited.length > 0 ? [`with the privileges of ${inherited.map((r) => code(r.rolname)).join(', ')}`] : []),
    ...containers.map((c) => `${c.privileges} on ${c.kind} ${code(c.name)}`),
    ...relations.map((r) => {
      const what = `${r.relations} ${r.sequence ? 'sequence' : 'table'}${r.relations === 1 ? '' : 's'} in ${code(r.schema)}`;
      return r.owned ? `owns ${what}` : `${r.privileges} on ${what}`;
    }),
  ];
  return parts.length > 0 ? summaryOf(parts) : `No privileges in database ${code(await currentDatabase(db))}.`;
}

async function currentDatabase(db: ClientBase): Promise<string> {
  const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
  return rows[0]!.name;
}

/** Each connection's server version, asked once: a connection's server cannot change its version under it. */
const serverVersions = new WeakMap<ClientBase, number>();

async function serverVersion(db: ClientBase): Promise<number> {
  const known = serverVersions.get(db);
  if (known !== undefined) return known;
  const { rows } = await db.query<{ version: string }>("SELECT current_setting('server_version_num') AS version");
  const version = Number(rows[0]!.version);
  serverVersions.set(db, version);
  return version;
}

/** Every level's role must be there: a grant of a missing role would fail only when someone needs the access. */
async function assertRolesExist(db: ClientBase, roles: string[]): Promise<void> {
  const { rows } = await db.query<{ role: string }>(
    'SELECT role FROM unnest($1::text[]) AS role WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role)',
    [roles],
  );
  if (rows.length > 0) {
    throw new ProviderError('PROVIDER_ERROR', `the database has no role ${rows.map((r) => `"${r.role}"`).join(', ')} (named by a level)`);
  }
}

async function roleOid(db: ClientBase, name: string): Promise<number | undefined> {
  const { rows } = await db.query<{ oid: number }>('SELECT oid FROM pg_roles WHERE rolname = $1', [name]);
  return rows[0]?.oid;
}

/** Client sessions of login $1 (by oid), oldest first, at most $2; an admin without pg_read_all_stats sees no backend_type. */
const ACTIVITY_OF = `SELECT pid, backend_start, host(client_addr) AS address, client_port, application_name, state, query
  FROM pg_stat_activity
 WHERE usesysid = $1 AND pid <> pg_backend_pid() AND coalesce(backend_type, 'client backend') = 'client backend'
 ORDER BY backend_start, pid LIMIT $2`;

async function activityOf(db: ClientBase, loginOid: number): Promise<TargetSession[]> {
  const { rows } = await db.query<{
    pid: number;
    backend_start: Date | null;
    address: string | null;
    client_port: number | null;
    application_name: string | null;
    state: string | null;
    query: string | null;
  }>(ACTIVITY_OF, [loginOid, SESSIONS_LISTED]);
  // An admin without pg_read_all_stats sees other logins' sessions with their details NULL.
  return rows.map((row) => ({
    id: String(row.pid),
    startedAt: row.backend_start,
    clientAddress: row.address === null ? null : row.client_port ? `${row.address}:${row.client_port}` : row.address,
    application: row.application_name || null,
    state: row.state,
    statement: row.query && row.state !== null ? normalizeStatement(row.query, 'postgres') : null,
  }));
}

/** Runs a read in a read-only transaction whose statements the server stops after SESSIONS_TIMEOUT_MS. */
async function readOnly<T>(db: ClientBase, read: () => Promise<T>): Promise<T> {
  await db.query('BEGIN READ ONLY');
  try {
    await db.query(`SET LOCAL statement_timeout = ${SESSIONS_TIMEOUT_MS}`);
    const result = await read();
    await db.query('COMMIT');
    return result;
  } catch (error) {
    // The pooled connection goes back with no transaction open.
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function sessionsOf(db: ClientBase, loginOid: number, startedBefore: string): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(SESSIONS_OF, [loginOid, startedBefore]);
  return rows.map((r) => r.pid);
}

/** Ends every session of the login that started before now and waits for each to exit; fails if one stays. */
async function endSessions(db: ClientBase, login: string, loginOid: number): Promise<void> {
  const pids = await sessionsOf(db, loginOid, 'infinity');
  if (pids.length === 0) return;
  // A session that ended on its own in between only draws a warning.
  await db.query('SELECT pg_terminate_backend(pid, $2) FROM unnest($1::int[]) AS pid', [pids, SESSION_EXIT_WAIT_MS]);
  const { rowCount } = await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND usesysid = $2', [pids, loginOid]);
  if ((rowCount ?? 0) > 0) {
    throw new ProviderError(
      'PROVIDER_ERROR',
      `${rowCount} session(s) of ${login} did not end within ${SESSION_EXIT_WAIT_MS / 1000} s of being terminated.`,
    );
  }
}

/**
 * Ends a temporary login for good. It loses the right to log in and the level role first; its sessions are
 * ended whatever else failed, and before DROP OWNED, so that their temporary tables go with them; what it
 * owns in the admin URL's database is dropped; then the role. Objects it owns in another database stop the
 * DROP ROLE and are named in the error, and the login stays behind without a login, the role or a session.
 */
async function dropLogin(db: ClientBase, login: string, levelRole: string): Promise<void> {
  const oid = await roleOid(db, login);
  if (oid === undefined) return;
  const name = escapeIdentifier(login);
  try {
    await db.query(`ALTER ROLE ${name} NOLOGIN`);
    await db.query(`REVOKE ${escapeIdentifier(levelRole)} FROM ${name}`);
  } finally {
    await endSessions(db, login, oid);
  }
  // Dropped, not reassigned: a view or a SECURITY DEFINER function given to another owner would run with that
  // owner's rights. DROP OWNED needs the admin to hold the login's privileges, so it runs only when needed.
  const { rowCount } = await db.query(
    `SELECT 1 FROM pg_shdepend WHERE refclassid = 'pg_authid'::regclass AND refobjid = $1
        AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [oid],
  );
  if ((rowCount ?? 0) > 0) await db.query(`DROP OWNED BY ${name}`);
  await db.query(`DROP ROLE IF EXISTS ${name}`).catch((e: DatabaseError) => {
    if (e.code !== '2BP01') throw e;
    const objects = (e.detail ?? '').split('\n').join('; ');
    throw new ProviderError(
      'PROVIDER_ERROR',
      `The temporary login ${login} can no longer log in and has no session, but cannot be dropped: it owns ${objects}.`,
    );
  });
}
