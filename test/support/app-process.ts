import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Role } from '../../src/main/lifecycle';
import { waitUntil } from './wait';

const ROOT = path.join(__dirname, '../..');

/** How the process is run: node's arguments before the role, in a directory. */
export interface Launch {
  cwd: string;
  args: string[];
}

// One node process with tsx's loader (not the tsx launcher, which would leave its child behind a kill).
const FROM_SOURCE: Launch = { cwd: ROOT, args: ['--import', 'tsx', 'src/main/cli.ts'] };

/** prod-access run as its own process (`prod-access <role>`), as in production, so a test can kill it. */
export class AppProcess {
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly role: Role,
    /** Its PORT: the web role's, and the ops port (/healthz, /readyz) of every role unless OPS_PORT is set. */
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(role: Role, env: NodeJS.ProcessEnv, launch: Launch = FROM_SOURCE): Promise<AppProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [...launch.args, role], {
      cwd: launch.cwd,
      env: { ...env, NODE_ENV: 'production', PORT: String(port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new AppProcess(role, port, child);
    await app.started().catch(async (error: unknown) => {
      await app.kill('SIGKILL');
      throw error;
    });
    return app;
  }

  private started(): Promise<true> {
    return waitUntil(
      () =>
        this.output.includes('"prod-access started"')
          ? true
          : this.child.exitCode !== null
            ? Promise.reject(new Error(this.output))
            : undefined,
      60_000,
      () => `${this.role} process to start; output:\n${this.output}`,
    );
  }

  /** The process id of the tsx launcher; the app runs in its child. */
  get pid(): number {
    return this.child.pid!;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}/slack/events`;
  }

  get log(): string {
    return this.output;
  }

  /** SIGKILL: the process dies at once, in the middle of whatever it was doing. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** A TCP port nothing listens on now, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
