import { Client } from 'pg';

/** The PostgreSQL server the tests use; every database they create lives here and is named for the run. */
export const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The role the migrations grant the app's privileges to (their default), and the login the tests run the app as. */
export const APP_ROLE = 'prod_access_app';
export const APP_LOGIN = 'pa_test_app';
/** The audit chain's key the app runs with in every test; the database never sees it. */
export const AUDIT_KEY = 'test-audit-hmac-key-0123456789abcdef';

export function databaseUrl(database: string, user?: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  if (user) url.username = user;
  return url.toString();
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function recreateDatabase(name: string): Promise<void> {
  await withClient(SERVER_URL, async (db) => {
    await db.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await db.query(`CREATE DATABASE "${name}"`);
  });
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient(SERVER_URL, (db) => db.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** CREATE DATABASE … TEMPLATE, retried while another copy of the same template is being made. */
export async function copyDatabase(template: string, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await withClient(SERVER_URL, (db) => db.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
      return;
    } catch (e) {
      if (attempt > 100 || !/being accessed by other users/.test((e as Error).message)) throw e;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
}
