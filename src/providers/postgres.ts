import { randomBytes } from 'node:crypto';
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { z } from 'zod';
import { ProdAccessError } from '../domain/errors';
import { defineProviderKind, type AccessInstructions, type AccessProvider, type GrantSpec } from './types';

/** PostgreSQL's unquoted identifier rules; anything else is refused rather than quoted into shape. */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const roleName = z.string().regex(ROLE_NAME, 'must be a PostgreSQL role name: lower-case letters, digits and _, at most 63');

const settingsSchema = z.strictObject({
  /** Name of the environment variable that holds an admin connection URL. */
  connectionEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be the NAME of an environment variable, not a URL'),
  /**
   * grant-role: grant the level's role to the user's existing login role.
   * login-role: create a temporary login role with VALID UNTIL and a one-time password, dropped at revoke.
   */
  mode: z.enum(['grant-role', 'login-role']).default('grant-role'),
});
type Settings = z.infer<typeof settingsSchema>;

const targetSchema = z.strictObject({ role: roleName });

export const postgresProvider = defineProviderKind({
  kind: 'postgres',
  settingsSchema,
  targetSchema,
  requiredEnv: (settings) => [settings.connectionEnv],
  create: (settings, env) => new PostgresProvider(settings, env),
});

class PostgresProvider implements AccessProvider {
  constructor(
    private readonly settings: Settings,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async grant(spec: GrantSpec): Promise<AccessInstructions> {
    const { role } = targetSchema.parse(spec.target);
    const login = this.loginName(spec);
    return this.withClient(async (db) => {
      if (this.settings.mode === 'grant-role') {
        await this.assertRoleExists(db, login);
        await db.query(`GRANT ${escapeIdentifier(role)} TO ${escapeIdentifier(login)}`);
        return { lines: this.connectionLines(login, spec.expiresAt) };
      }
      // A retried grant must not hand out a second password for the same role: recreate it.
      const password = randomBytes(24).toString('base64url');
      await this.dropLogin(db, login);
      await db.query(
        `CREATE ROLE ${escapeIdentifier(login)} LOGIN PASSWORD ${escapeLiteral(password)} ` +
          `VALID UNTIL ${escapeLiteral(spec.expiresAt.toISOString())} IN ROLE ${escapeIdentifier(role)}`,
      );
      return { lines: this.connectionLines(login, spec.expiresAt), oneTimeSecret: password };
    });
  }

  async revoke(spec: GrantSpec): Promise<void> {
    const { role } = targetSchema.parse(spec.target);
    const login = this.loginName(spec);
    await this.withClient(async (db) => {
      if (this.settings.mode === 'login-role') {
        await this.dropLogin(db, login);
        return;
      }
      if (await roleExists(db, login)) {
        await db.query(`REVOKE ${escapeIdentifier(role)} FROM ${escapeIdentifier(login)}`);
      }
    });
  }

  async check(spec: GrantSpec): Promise<boolean> {
    const { role } = targetSchema.parse(spec.target);
    const login = this.loginName(spec);
    return this.withClient(async (db) => {
      const { rowCount } = await db.query(
        `SELECT 1 FROM pg_auth_members m
           JOIN pg_roles granted ON granted.oid = m.roleid
           JOIN pg_roles member ON member.oid = m.member
          WHERE granted.rolname = $1 AND member.rolname = $2`,
        [role, login],
      );
      return (rowCount ?? 0) > 0;
    });
  }

  accessKey(spec: GrantSpec): string {
    return `${this.loginName(spec)}→${targetSchema.parse(spec.target).role}`;
  }

  /** In login-role mode each grant gets its own role, so overlapping grants never share a password. */
  private loginName(spec: GrantSpec): string {
    const name = this.settings.mode === 'login-role' ? `${spec.identity}_pa${spec.requestId}` : spec.identity;
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

  private async dropLogin(db: Client, login: string): Promise<void> {
    if (!(await roleExists(db, login))) return;
    // Revoking the role does not end sessions already open with it.
    await db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [login]);
    await db.query(`DROP ROLE IF EXISTS ${escapeIdentifier(login)}`);
  }

  private connectionLines(login: string, expiresAt: Date): string[] {
    const url = new URL(this.connectionUrl());
    const database = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
    const port = url.port || '5432';
    return [
      `Host: ${url.hostname}  Port: ${port}  Database: ${database}  User: ${login}`,
      `Connect: psql "host=${url.hostname} port=${port} dbname=${database} user=${login}"`,
      `Access ends at ${expiresAt.toISOString()}.`,
    ];
  }

  private connectionUrl(): string {
    const url = this.env[this.settings.connectionEnv];
    if (!url) {
      throw new ProdAccessError('PROVIDER_ERROR', `The environment variable ${this.settings.connectionEnv} is not set.`);
    }
    return url;
  }

  private async withClient<T>(work: (db: Client) => Promise<T>): Promise<T> {
    const db = new Client({ connectionString: this.connectionUrl(), connectionTimeoutMillis: 5000 });
    await db.connect();
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  }
}

async function roleExists(db: Client, name: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  return (rowCount ?? 0) > 0;
}
