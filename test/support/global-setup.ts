import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { APP_LOGIN, APP_ROLE, copyDatabase, databaseUrl, dropDatabase, recreateDatabase, SERVER_URL, withClient } from './databases';

/**
 * A template database per test run, migrated through the project's own offline migration path, so the
 * tests run on exactly the schema `npm run db:deploy` produces. Each harness copies it into a database of
 * its own (a deployment of its own: its reconciler must not see another test's requests); other tests use
 * one shared copy.
 */
export default async function globalSetup(): Promise<void> {
  const name = process.env.TEST_DATABASE ?? 'prod_access_test';
  const template = `${name}_template`;
  await createMigratedDatabase(template);
  await dropDatabase(name);
  await copyDatabase(template, name);
  process.env.TEST_TEMPLATE_DATABASE = template;
  process.env.DATABASE_URL = databaseUrl(name);
}

/** A fresh database with every migration applied, and the login the app runs as (see createAppLogin); returns its URL. */
export async function createMigratedDatabase(name: string): Promise<string> {
  await recreateDatabase(name);
  const url = databaseUrl(name);
  execFileSync(process.execPath, [path.join(__dirname, '../../tools/prisma-offline/prisma.cjs'), 'migrate', 'deploy'], {
    env: { ...process.env, MIGRATION_DATABASE_URL: url },
    stdio: 'pipe',
  });
  await createAppLogin();
  return url;
}

/**
 * The login the app runs as in every test, as in production: not the owner of the tables, only a member
 * of the role the migrations grant to. Shared by every test run on the server, so created once.
 */
async function createAppLogin(): Promise<void> {
  await withClient(SERVER_URL, async (db) => {
    try {
      await db.query(`CREATE ROLE ${APP_LOGIN} LOGIN`);
    } catch (e) {
      // Another run created it first (duplicate_object, or unique_violation when both raced).
      if (!['42710', '23505'].includes((e as { code?: string }).code ?? '')) throw e;
    }
    await db.query(`GRANT ${APP_ROLE} TO ${APP_LOGIN}`);
  });
}
