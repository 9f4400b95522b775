import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../../../src/main/config';
import { createLogger } from '../../../src/shared/logger';
import { type Role, type Runtime, startRuntime } from '../../../src/main/lifecycle';
import { AppProcess, type Launch } from '../app-process';
import { REDIS_URL, withRedis } from '../redis';

/**
 * prod-access under test, with one set of settings: the roles a test runs in its own process, and the
 * processes it spawns (as in production, so a test can kill them). stop() ends all of them.
 */
export class RunningApp {
  /** The Slack endpoint of the first web role started; empty while none runs. */
  endpoint = '';
  readonly processes: AppProcess[] = [];
  /** Processes still starting: stop() must end them too, or they would outlive the test. */
  private readonly starting: Promise<AppProcess>[] = [];
  private runtime?: Runtime;

  /** `env` is the one object the app reads its settings from: providers read their connection variables at each call. */
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async startInProcess(role: Role): Promise<void> {
    const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });
    this.runtime = await startRuntime(loadConfig(this.env), role, logger, this.env);
    this.endpoint = `http://127.0.0.1:${this.runtime.port}/slack/events`;
  }

  async spawn(role: Role, launch?: Launch): Promise<AppProcess> {
    const starting = AppProcess.start(role, this.env, launch);
    this.starting.push(starting);
    const app = await starting;
    this.processes.push(app);
    if (!this.endpoint && role !== 'worker') this.endpoint = app.endpoint;
    return app;
  }

  async stop(): Promise<void> {
    const started = await Promise.allSettled(this.starting);
    const all = new Set([...this.processes, ...started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))]);
    await Promise.all([...all].map((p) => p.kill('SIGTERM')));
    // Once: a test may stop the app before the harness does.
    const runtime = this.runtime;
    this.runtime = undefined;
    await runtime?.stop();
  }
}

/** The app's keys in Redis, all under one prefix: read as BullMQ itself sees them, or deleted as FLUSHALL would. */
export class AppRedis {
  private connection?: Redis;
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly prefix: string) {}

  /** A BullMQ queue of the app (`revoke`, `access`, `notify`…), to look at its jobs; closed by close(). */
  queue(name: string): Queue {
    const connection = (this.connection ??= new Redis(REDIS_URL, { maxRetriesPerRequest: null }));
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = new Queue(name, { connection, prefix: this.prefix })));
    return queue;
  }

  /** The app's keys matching `pattern` (after the prefix). */
  keys(pattern: string): Promise<string[]> {
    return withRedis((redis) => redis.keys(`${this.prefix}:${pattern}`));
  }

  /** Deletes every key of the app: schedules, jobs, replay records. */
  clear(): Promise<void> {
    return clearRedis(this.prefix);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.connection?.disconnect();
  }
}

/** Deletes every key of this deployment: what FLUSHALL does to it, without touching other test files' keys. */
export function clearRedis(prefix: string): Promise<void> {
  return withRedis(async (redis) => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  });
}
