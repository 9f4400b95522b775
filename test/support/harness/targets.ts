import { databaseUrl, dropDatabase, recreateDatabase, SERVER_URL, withClient } from '../databases';

/** Where the provider is pointed while a test makes the target unreachable: nothing listens there. */
export const UNREACHABLE_TARGET_URL = 'postgresql://postgres@127.0.0.1:1/unreachable';

/**
 * The system a harness grants access to: a PostgreSQL database of its own with one orders table, a role per
 * access level, and the developer's login role, all named for the harness. The provider grants and revokes
 * the level roles to the login; a test checks the outcome by querying as that login.
 */
export class TargetDatabase {
  readonly name: string;
  readonly roles: { read: string; write: string; login: string };

  private constructor(suffix: string) {
    this.name = `pa_target_${suffix}`;
    this.roles = { read: `${suffix}_read`, write: `${suffix}_write`, login: `${suffix}_alice` };
  }

  static async create(suffix: string): Promise<TargetDatabase> {
    const target = new TargetDatabase(suffix);
    await recreateDatabase(target.name);
    const { read, write, login } = target.roles;
    await withClient(SERVER_URL, async (server) => {
      await server.query(`CREATE ROLE ${read} NOLOGIN`);
      await server.query(`CREATE ROLE ${write} NOLOGIN`);
      await server.query(`CREATE ROLE ${login} LOGIN`);
    });
    await withClient(target.url(), async (db) => {
      await db.query('CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL)');
      await db.query("INSERT INTO orders VALUES (1, 'widget')");
      await db.query(`GRANT SELECT ON orders TO ${read}`);
      await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON orders TO ${write}`);
    });
    return target;
  }

  /** The target database as `user` (its owner, the server's admin, when none is given). */
  url(user?: string): string {
    return databaseUrl(this.name, user);
  }

  /** Runs a query as the developer's own login role, as the developer would. */
  async queryAsDeveloper(sql: string): Promise<unknown[]> {
    return withClient(this.url(this.roles.login), async (db) => (await db.query(sql)).rows);
  }

  /**
   * Whether the developer can read the orders table now: true when the query returns its one row, false when
   * PostgreSQL answers permission denied. Anything else (another error, other rows) fails the test.
   */
  async developerCanRead(): Promise<boolean> {
    let rows: unknown[];
    try {
      rows = await this.queryAsDeveloper('SELECT item FROM orders');
    } catch (error) {
      if (/permission denied/.test((error as Error).message)) return false;
      throw error;
    }
    if (JSON.stringify(rows) !== JSON.stringify([{ item: 'widget' }])) throw new Error(`the orders table read ${JSON.stringify(rows)}`);
    return true;
  }

  /** Grants the write role to the developer's login outside prod-access, as a database admin would by hand. */
  async grantWriteByHand(): Promise<void> {
    await withClient(SERVER_URL, (server) => server.query(`GRANT ${this.roles.write} TO ${this.roles.login}`));
  }

  /** Drops the developer's login role: a grant to it then fails in the target. */
  async dropLogin(): Promise<void> {
    await withClient(SERVER_URL, (server) => server.query(`DROP ROLE ${this.roles.login}`));
  }

  async drop(): Promise<void> {
    await dropDatabase(this.name);
    const { read, write, login } = this.roles;
    await withClient(SERVER_URL, async (server) => {
      for (const role of [login, read, write]) await server.query(`DROP ROLE IF EXISTS ${role}`);
    });
  }
}
