import { demoPeople } from '../../src/sandbox/demo-workspace';
import { demoTarget } from '../../src/sandbox/demo-target';
import { dropDatabase, SERVER_URL, withClient } from './databases';
import { clearRedis } from './harness';

/** Settings for a sandbox of a test's own: its demo database, roles and queue keys are named `name`. */
export function sandboxEnv(name: string): NodeJS.ProcessEnv {
  return { NODE_ENV: 'test', PORT: '0', SANDBOX_PORT: '0', SANDBOX_DATABASE: name, REDIS_PREFIX: `pa-test-${name}` };
}

/** Drops what a sandbox named `name` created: the demo database, its roles and its queue keys. */
export async function removeSandbox(name: string): Promise<void> {
  await clearRedis(`pa-test-${name}`);
  await dropDatabase(name);
  const { roles } = demoTarget(SERVER_URL, name);
  await withClient(SERVER_URL, async (db) => {
    for (const role of [roles.read, roles.write, ...demoPeople(name).map((p) => p.login)]) await db.query(`DROP ROLE IF EXISTS ${role}`);
  });
}
