import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { demoPeople } from '../../devkit/sandbox/demo-workspace';
import { demoTarget } from '../../devkit/sandbox/demo-target';
import { copyDatabase, databaseUrl, dropDatabase, SERVER_URL, withClient } from './databases';
import { clearRedis } from './harness';

/**
 * Settings for a sandbox of a test's own: its demo database, roles and queue keys are named `name`, and
 * prod-access's own database is a fresh copy of the migrated template (a deployment of its own: its
 * reconciler must not find other tests' requests and re-post them into its channels).
 */
export async function sandboxEnv(name: string): Promise<NodeJS.ProcessEnv> {
  await copyDatabase(process.env.TEST_TEMPLATE_DATABASE!, appDatabaseOf(name));
  return {
    NODE_ENV: 'test',
    PORT: '0',
    SANDBOX_PORT: '0',
    SANDBOX_DATABASE: name,
    REDIS_PREFIX: `pa-test-${name}`,
    DATABASE_URL: databaseUrl(appDatabaseOf(name)),
  };
}

const appDatabaseOf = (name: string) => `${name}_app`;

/** Drops what a sandbox named `name` created: the demo database, its roles and its queue keys. */
export async function removeSandbox(name: string): Promise<void> {
  await clearRedis(`pa-test-${name}`);
  await dropDatabase(name);
  await dropDatabase(appDatabaseOf(name));
  const { roles } = demoTarget(SERVER_URL, name);
  await withClient(SERVER_URL, async (db) => {
    for (const role of [roles.read, roles.write, ...demoPeople(name).map((p) => p.login)]) await db.query(`DROP ROLE IF EXISTS ${role}`);
  });
}

export interface SandboxProcess {
  /** The page's URL, as the process printed it. */
  url: string;
  /** SIGTERM to the process group (npm and its shell too), then removes the sandbox's database and roles. */
  stop(): Promise<void>;
}

/** Runs `command args` in the checkout as a sandbox of its own and waits for the URL it prints. */
export async function spawnSandbox(command: string, args: string[]): Promise<SandboxProcess> {
  const name = `pa_sandbox_${randomBytes(4).toString('hex')}`;
  const child = spawn(command, args, {
    cwd: path.join(__dirname, '../..'),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...(await sandboxEnv(name)) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
    await removeSandbox(name);
  };
  let output = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /Open (http:\/\/127\.0\.0\.1:\d+\/) in your browser/.exec(output);
        if (found) resolve(found[1]!);
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
