import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './app-process';
import { waitUntil } from './wait';

/** The test Redis server, as the app and the Redis ACL provider tests reach it. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One connection for one piece of work, closed after it whatever happens. */
export async function withRedis<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL);
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** A redis-server of a test's own, in a temporary directory removed when it stops. */
export interface PrivateRedis {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** A Redis server of the test's own, with the settings under test (the machine's shared one stays as it is). */
export async function privateRedis(settings: string[]): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'prod-access-redis-'));
  return startRedisServer(['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...settings], port, dir);
}

/** A Sentinel of the test's own watching the master on `masterPort` as `name`, alone (a quorum of one); with `password`, its requirepass. */
export async function privateSentinel(name: string, masterPort: number, password?: string): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'prod-access-sentinel-'));
  // A Sentinel rewrites its configuration file, so it must be one of its own.
  const conf = path.join(dir, 'sentinel.conf');
  const auth = password === undefined ? [] : [`requirepass ${password}`];
  const lines = [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, ...auth, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`, ''];
  writeFileSync(conf, lines.join('\n'));
  const sentinel = await startRedisServer([conf, '--sentinel'], port, dir, password);
  await waitUntil(
    () => answer(sentinel.url, (client) => client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)),
    10_000,
    () => `the Sentinel on port ${port} to name ${name}`,
  );
  return sentinel;
}

async function startRedisServer(args: string[], port: number, dir: string, password?: string): Promise<PrivateRedis> {
  const server = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const url = `redis://${password === undefined ? '' : `:${password}@`}127.0.0.1:${port}`;
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      () => answer(url, (client) => client.ping()),
      10_000,
      () => `redis-server on port ${port} to answer`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url, stop };
}

/** What `ask` got from the server at `url` on a connection of its own, or undefined if it did not answer. */
async function answer<T>(url: string, ask: (client: Redis) => Promise<T>): Promise<NonNullable<T> | undefined> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    return (await ask(client)) ?? undefined;
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}
