import { Client, escapeIdentifier } from 'pg';

/** The demo's target system: a database with an orders table, and a role per access level. */
export interface DemoTarget {
  database: string;
  /** Admin connection to the demo database, which the catalog's provider grants and revokes with. */
  adminUrl: string;
  roles: { read: string; write: string };
}

const ORDERS = [
  [1001, 'espresso machine', 'shipped'],
  [1002, 'coffee grinder', 'packing'],
  [1003, 'milk frother', 'paid'],
] as const;

/** The demo target on the PostgreSQL server of `databaseUrl`; role names start with the database's. */
export function demoTarget(databaseUrl: string, database: string): DemoTarget {
  return { database, adminUrl: onDatabase(databaseUrl, database), roles: { read: `${database}_read`, write: `${database}_write` } };
}

/** Creates what is missing (database, roles, table, rows, privileges), so a restart finds it as it was. */
export async function prepareDemoTarget(target: DemoTarget, logins: string[]): Promise<void> {
  await withClient(onDatabase(target.adminUrl, 'postgres'), async (server) => {
    const { rowCount } = await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [target.database]);
    if (rowCount === 0) await ignoring(DUPLICATE_DATABASE, server.query(`CREATE DATABASE ${escapeIdentifier(target.database)}`));
    for (const role of [target.roles.read, target.roles.write]) await createRole(server, role, 'NOLOGIN');
    for (const login of logins) await createRole(server, login, 'LOGIN');
  });
  await withClient(target.adminUrl, async (db) => {
    await db.query('CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, item text NOT NULL, status text NOT NULL)');
    for (const row of ORDERS) await db.query('INSERT INTO orders VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [...row]);
    await db.query(`GRANT SELECT ON orders TO ${escapeIdentifier(target.roles.read)}`);
    await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON orders TO ${escapeIdentifier(target.roles.write)}`);
  });
}

export type QueryOutcome = { rows: Record<string, unknown>[] } | { error: string };

/** What a person gets when they read the orders table with their own login role, as with psql. */
export async function queryOrdersAs(target: DemoTarget, login: string): Promise<QueryOutcome> {
  try {
    return await withClient(connectionFor(target, login), async (db) => ({
      rows: (await db.query('SELECT id, item, status FROM orders ORDER BY id')).rows as Record<string, unknown>[],
    }));
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The psql line a person runs to try their access, as the access DM gives it. */
export function psqlCommand(target: DemoTarget, login: string): string {
  const url = new URL(connectionFor(target, login));
  return `psql "host=${url.hostname} port=${url.port || '5432'} dbname=${target.database} user=${login}" -c 'SELECT * FROM orders'`;
}

function connectionFor(target: DemoTarget, login: string): string {
  const url = new URL(target.adminUrl);
  url.username = login;
  url.password = '';
  return url.toString();
}

function onDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const DUPLICATE_DATABASE = '42P04';
const DUPLICATE_OBJECT = '42710';

/** Another sandbox may create the same role at the same moment; either way it exists afterwards. */
async function createRole(server: Client, role: string, login: 'LOGIN' | 'NOLOGIN'): Promise<void> {
  const { rowCount } = await server.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (rowCount === 0) await ignoring(DUPLICATE_OBJECT, server.query(`CREATE ROLE ${escapeIdentifier(role)} ${login}`));
}

async function ignoring(sqlState: string, work: Promise<unknown>): Promise<void> {
  await work.catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== sqlState) throw error;
  });
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
