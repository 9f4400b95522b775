/**
 * What the chaos burst spends its time on, printed beside the scoreboard: the revokes' lateness spread,
 * what the sessions of the app's and the target's databases were waiting on while the revokes ran
 * (sampled from pg_stat_activity), the Slack calls by method and answer, and the audit channel's messages.
 * `CHAOS_CPU_PROF=<file>` also writes a V8 CPU profile of the process (the app runs in it) over the revokes.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { Harness } from '../test/support/harness';
import { CHANNELS } from '../test/support/harness';
import { SERVER_URL, withClient } from '../test/support/databases';

export interface BurstProbe {
  /** Stops sampling once the revokes are done. */
  revokesDone(): Promise<void>;
  /** The summary, once the audit channel has been waited for too. */
  report(ids: number[]): Promise<string>;
}

const SAMPLE_MS = 250;

export async function startBurstProbe(h: Harness, expiresAt: Date): Promise<BurstProbe> {
  const waits = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  const cpuStart = process.cpuUsage();
  const wallStart = Date.now();
  let cpu = { userMs: 0, systemMs: 0, wallMs: 0 };
  const profileFile = process.env.CHAOS_CPU_PROF;
  const session = profileFile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const databases = [h.appDatabase, h.target.name];
  const sampler = (async () => {
    while (Date.now() < expiresAt.getTime()) await new Promise((resolve) => setTimeout(resolve, 50));
    while (sampling) {
      const rows = await withClient(
        SERVER_URL,
        async (db) =>
          (
            await db.query<{ datname: string; wait: string; n: string }>(
              `SELECT datname, coalesce(wait_event_type || ':' || wait_event, 'running') || ' (' || state || ')' AS wait, count(*) AS n
               FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid() GROUP BY 1, 2`,
              [databases],
            )
          ).rows,
      ).catch(() => []);
      samples += 1;
      for (const r of rows) {
        const key = `${r.datname === h.appDatabase ? 'app' : 'target'} ${r.wait}`;
        waits.set(key, (waits.get(key) ?? 0) + Number(r.n));
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();

  return {
    async revokesDone() {
      sampling = false;
      await sampler;
      const used = process.cpuUsage(cpuStart);
      cpu = { userMs: used.user / 1000, systemMs: used.system / 1000, wallMs: Date.now() - wallStart };
      if (session && profileFile) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(profileFile, JSON.stringify(profile));
        session.disconnect();
      }
    },
    async report(ids) {
      const requests = await h.db.accessRequest.findMany({ where: { id: { in: ids } }, select: { endedAt: true, expiresAt: true } });
      const lateness = requests
        .filter((r) => r.endedAt && r.expiresAt)
        .map((r) => r.endedAt!.getTime() - r.expiresAt!.getTime())
        .sort((a, b) => a - b);
      const pct = (p: number) => lateness[Math.min(lateness.length - 1, Math.floor((p / 100) * lateness.length))] ?? NaN;
      const lines = [
        `burst probe: revoke lateness ms p50 ${pct(50)} p90 ${pct(90)} p99 ${pct(99)} max ${lateness.at(-1)}`,
        `burst probe: this process's CPU from the last grant to the last revoke: user ${cpu.userMs.toFixed(0)} ms, system ${cpu.systemMs.toFixed(0)} ms in ${cpu.wallMs} ms`,
        `burst probe: database sessions, mean over ${samples} samples while revoking:`,
        ...[...waits]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 14)
          .map(([key, n]) => `  ${(n / Math.max(1, samples)).toFixed(2)} ${key}`),
      ];
      const calls = h.slack.calls.filter((c) => c.kind === 'api' && c.at >= expiresAt.getTime() - 120_000);
      const byMethod = new Map<string, Map<number, number>>();
      for (const call of calls) {
        if (call.kind !== 'api') continue;
        const statuses = byMethod.get(call.method) ?? new Map<number, number>();
        statuses.set(call.status, (statuses.get(call.status) ?? 0) + 1);
        byMethod.set(call.method, statuses);
      }
      lines.push('burst probe: Slack calls from 2 min before the expiry, by method and HTTP status:');
      for (const [method, statuses] of byMethod) lines.push(`  ${method}: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`);
      const posts = h.postsIn(CHANNELS.audit).filter((c) => c.at >= expiresAt.getTime() - 120_000);
      const sizes = posts.map((c) => String(c.args.text).split('\n').length);
      const gaps = posts.slice(1).map((c, i) => c.at - posts[i]!.at);
      lines.push(
        `burst probe: audit channel from 2 min before the expiry: ${posts.length} messages, ${sizes.reduce((a, b) => a + b, 0)} lines, ` +
          `at most ${Math.max(0, ...sizes)} lines and ${Math.max(0, ...posts.map((c) => String(c.args.text).length))} chars in one; ` +
          `gap between messages ms min ${Math.min(...gaps)} median ${gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)]} max ${Math.max(...gaps)}`,
      );
      return lines.join('\n');
    },
  };
}
