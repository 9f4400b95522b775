import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { databaseUrl, recreateDatabase } from './databases';

/**
 * One fresh database per test run, migrated through the project's own offline migration path, so the
 * tests run on exactly the schema `npm run db:deploy` produces. Test files share it and keep apart by
 * using their own Slack user ids, roles and Redis prefix.
 */
export default async function globalSetup(): Promise<void> {
  process.env.DATABASE_URL = await createMigratedDatabase(process.env.TEST_DATABASE ?? 'prod_access_test');
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
