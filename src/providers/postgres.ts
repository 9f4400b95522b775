import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { z } from 'zod';
import { ProdAccessError } from '../domain/errors';
import {
  type AdminAccess,
  adminConnection,
  connectionLines,
  endpointOf,
  envName,
  randomPassword,
  TEMPORARY_SUFFIX_LENGTH,
  temporaryName,
} from './support';
import { type AccessInstructions, type AccessProvider, defineProviderKind, type GrantSpec } from './types';

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
});
type Settings = z.infer<typeof settingsSchema>;

const targetSchema = z.strictObject({ role: roleName });
type Target = z.infer<typeof targetSchema>;

const admin = adminConnection<Client>({
  open: async (url) => {
    const db = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await db.connect();
    return db;
  },
  close: (db) => db.end(),
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
  validateConfig: admin.validateConfig,
  create: (settings, env) => new PostgresProvider(settings, admin.access(settings, env)),
});

/** The roles that are direct members of role $1. */
const MEMBERS_OF_ROLE = `SELECT member.rolname AS member FROM pg_auth_members m
  JOIN pg_roles granted ON granted.oid = m.roleid
  JOIN pg_roles member ON member.oid = m.member
 WHERE granted.rolname = $1`;

class PostgresProvider implements AccessProvider<Target> {
  constructor(
    private readonly settings: Settings,
    private readonly admin: AdminAccess<Client>,
  ) {}

  async grant(spec: GrantSpec<Target>): Promise<AccessInstructions> {
    const { role } = spec.target;
    const login = this.loginName(spec);
    return this.admin.run(async (db) => {
      if (this.settings.mode === 'grant-role') {
        await this.assertRoleExists(db, login);
        await db.query(`GRANT ${escapeIdentifier(role)} TO ${escapeIdentifier(login)}`);
        return { lines: this.connectionLines(login, spec.expiresAt) };
      }
      // A retried grant must not hand out a second password for the same role: recreate it.
      const password = randomPassword();
      await dropLogin(db, login);
      await db.query(
        `CREATE ROLE ${escapeIdentifier(login)} LOGIN PASSWORD ${escapeLiteral(password)} ` +
          `VALID UNTIL ${escapeLiteral(spec.expiresAt.toISOString())} IN ROLE ${escapeIdentifier(role)}`,
      );
      return { lines: this.connectionLines(login, spec.expiresAt), oneTimeSecret: password };
    });
  }

  async revoke(spec: GrantSpec<Target>): Promise<void> {
    const login = this.loginName(spec);
    await this.admin.run(async (db) => {
      if (this.settings.mode === 'login-role') {
        await dropLogin(db, login);
        return;
      }
      if (await roleExists(db, login)) {
        await db.query(`REVOKE ${escapeIdentifier(spec.target.role)} FROM ${escapeIdentifier(login)}`);
      }
    });
  }

  async check(spec: GrantSpec<Target>): Promise<boolean> {
    const login = this.loginName(spec);
    return this.admin.run(async (db) => {
      const { rowCount } = await db.query(`${MEMBERS_OF_ROLE} AND member.rolname = $2`, [spec.target.role, login]);
      return (rowCount ?? 0) > 0;
    });
  }

  async holders(target: Target): Promise<string[]> {
    return this.admin.run(async (db) => {
      const { rows } = await db.query<{ member: string }>(MEMBERS_OF_ROLE, [target.role]);
      return rows.map((r) => `${r.member}→${target.role}`);
    });
  }

  /** In grant-role mode, overlapping grants of one role to one login share that membership. */
  accessKey(spec: GrantSpec<Target>): string {
    return `${this.loginName(spec)}→${spec.target.role}`;
  }

  /** In login-role mode each grant gets its own role, so overlapping grants never share a password. */
  private loginName(spec: GrantSpec<Target>): string {
    const name = this.settings.mode === 'login-role' ? temporaryName(spec.identity, spec.requestId) : spec.identity;
    if (!ROLE_NAME.test(name)) {
      throw new ProdAccessError('INVALID_IDENTITY', `"${name}" is not a valid PostgreSQL role name.`);
    }
    return name;
  }

  private async assertRoleExists(db: Client, login: string): Promise<void> {
    if (!(await roleExists(db, login))) {
      throw new ProdAccessError('TARGET_REJECTED', `The database has no role "${login}" to grant access to.`);
    }
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

async function roleExists(db: Client, name: string): Promise<boolean> {
  return (await roleOid(db, name)) !== undefined;
}

async function roleOid(db: Client, name: string): Promise<number | undefined> {
  const { rows } = await db.query<{ oid: number }>('SELECT oid FROM pg_roles WHERE rolname = $1', [name]);
  return rows[0]?.oid;
}

async function dropLogin(db: Client, login: string): Promise<void> {
  const oid = await roleOid(db, login);
  if (oid === undefined) return;
  // Dropped first so nobody logs in again, then the sessions still open with it are ended (by oid: the name is gone).
  await db.query(`DROP ROLE IF EXISTS ${escapeIdentifier(login)}`);
  await db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usesysid = $1', [oid]);
}
