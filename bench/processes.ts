import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { waitUntil } from '../test/support/wait';

const ROOT = path.join(__dirname, '..');

/** Resident memory of a process and all its descendants (tsx runs the app in a child of its launcher), in MiB. */
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

/** A bench script run as its own process with tsx; it prints `ready <port>` once it listens. */
export class BenchProcess {
  private output = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(script: string, env: NodeJS.ProcessEnv): Promise<{ process: BenchProcess; port: number }> {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(__dirname, script)], {
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
