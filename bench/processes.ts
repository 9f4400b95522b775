import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Role } from '../src/main/lifecycle';
import type { AppProcess, Launch } from '../test/support/app-process';
import type { Harness } from '../test/support/harness';
import { waitUntil } from '../test/support/wait';
import { countsOf, type OpCounts } from './counts';
import type { BenchSlack } from './slack';

const ROOT = path.join(__dirname, '..');

/** Resident memory of a process and all its descendants, in MiB. */
export function residentMiB(pid: number): number {
  let kib = 0;
  const visit = (id: number) => {
    const status = readFileSync(`/proc/${id}/status`, 'utf8');
    kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    for (const child of readFileSync(`/proc/${id}/task/${id}/children`, 'utf8').split(' ').filter(Boolean)) visit(Number(child));
  };
  visit(pid);
  return Math.round(kib / 1024);
}

/** Samples the peak resident memory of a process tree while `work` runs. */
export async function peakResidentMiB<T>(pid: number, work: Promise<T>): Promise<{ result: T; peakMiB: number }> {
  let peakMiB = residentMiB(pid);
  const sampler = setInterval(() => (peakMiB = Math.max(peakMiB, residentMiB(pid))), 250);
  try {
    return { result: await work, peakMiB };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * A bench script run as its own process, one node process with tsx's loader (the tsx launcher would leave
 * its child behind a kill); it prints `ready <port>` once it listens.
 */
export class BenchProcess {
  private output = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(script: string, env: NodeJS.ProcessEnv): Promise<{ process: BenchProcess; port: number }> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, script)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new BenchProcess(child);
    const port = await waitUntil(
      () => {
        const ready = /ready (\d+)/.exec(started.output)?.[1];
        if (ready) return Number(ready);
        return child.exitCode === null ? undefined : Promise.reject(new Error(started.output));
      },
      30_000,
      () => `${script} to start; output:\n${started.output}`,
    );
    return { process: started, port };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

/** How the image runs the app (its CMD): the compiled build, with node alone. */
const FROM_BUILD: Launch = { cwd: ROOT, args: ['dist/main/cli.js', 'start'] };

/** `npm run build`, so the build the bench runs is the source it was started from. */
export function buildApp(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * The app processes of one deployment (`all`; `web` + `worker`; `all` + `worker`…), each started from the
 * build as its own process with the harness's settings (production logging: NODE_ENV=production, JSON at
 * `info` to a pipe).
 */
export class Deployment {
  private constructor(readonly processes: AppProcess[]) {}

  static async start(harness: Harness, roles: Role[]): Promise<Deployment> {
    const processes: AppProcess[] = [];
    for (const role of roles) processes.push(await harness.spawn(role, FROM_BUILD));
    return new Deployment(processes);
  }

  /** This deployment with one more process of `role`. */
  async with(harness: Harness, role: Role): Promise<Deployment> {
    return new Deployment([...this.processes, await harness.spawn(role, FROM_BUILD)]);
  }

  get label(): string {
    return this.processes.map((p) => p.role).join(' + ');
  }

  /** The Slack endpoint of its first process that serves one. */
  get endpoint(): string {
    const web = this.processes.find((p) => p.role !== 'worker');
    if (!web) throw new Error(`${this.label} serves no Slack endpoint`);
    return web.endpoint;
  }

  pidOf(role: Role): number {
    return this.processes.find((p) => p.role === role)!.pid;
  }

  /** What all its processes have sent so far (see op-counts.cjs), and the Slack calls the stand-in answered. */
  async counts(slack?: BenchSlack): Promise<OpCounts> {
    const [sent, slackCalls] = await Promise.all([countsOf(this.processes.map((p) => p.pid)), slack?.apiCalls()]);
    return { ...sent, ...(slackCalls !== undefined && { slackCalls }) };
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill('SIGTERM')));
  }
}
