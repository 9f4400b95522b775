import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { copyDatabase, databaseUrl, dropDatabase, recreateDatabase } from './databases';

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

/** A fresh database with every migration applied; returns its URL. */
export async function createMigratedDatabase(name: string): Promise<string> {
  await recreateDatabase(name);
  const url = databaseUrl(name);
  execFileSync(process.execPath, [path.join(__dirname, '../../scripts/prisma.cjs'), 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: 'pipe',
  });
  return url;
}
