import { randomBytes } from 'node:crypto';
import { SERVER_URL, withClient } from '../../test/support/databases';
import { Harness } from '../../test/support/harness';
import { waitUntil } from '../../test/support/wait';
import { withBareQueue } from '../queues';
import { round } from '../stats';

export interface ThroughputResult {
  workerConcurrency: number;
  lifecycles: number;
  seconds: number;
  lifecyclesPerSecond: number;
  bareJobsPerSecond: number;
}

interface Settings {
  workerConcurrency: number;
  /** Requesters working at once, each running one lifecycle after another. */
  requesters: number;
  /** No lifecycle starts after this long. */
  seconds: number;
  bareJobs: number;
  env: Record<string, string>;
}

/**
 * 5: full lifecycles through Slack-signed requests to an `all` process: request, Approve, the grant applied,
 * `/prod-access revoke`, the access removed (each requester has a PostgreSQL role of its own, so every
 * revoke really runs). Then, against the same Redis, BullMQ's rate for no-op jobs at the same concurrency.
 */
export async function benchThroughput(settings: Settings): Promise<ThroughputResult> {
  const tag = `b${randomBytes(3).toString('hex')}`;
  const requesters = Array.from({ length: settings.requesters }, (_, i) => {
    const n = String(i).padStart(3, '0');
    return { id: `UTP${n}${tag.toUpperCase()}`, name: `${tag}_w${n}`, email: `${tag}_w${n}@example.com` };
  });
  const harness = await Harness.start({
    role: 'none',
    extraUsers: requesters,
    env: { ...settings.env, WORKER_CONCURRENCY: String(settings.workerConcurrency) },
  });
  const forEachRole = (sql: string) =>
    withClient(SERVER_URL, async (db) => {
      for (const { name } of requesters) await db.query(sql.replaceAll('%ROLE%', name));
    });
  try {
    await forEachRole(`CREATE ROLE %ROLE% NOLOGIN`);
    await harness.spawn('all');
    const statusIs = (id: number, status: string) => async () =>
      (await harness.db.accessRequest.findUnique({ where: { id } }))?.status === status ? true : undefined;
    const lifecycle = async (userId: string) => {
      const reply = await harness.ask(userId, 'request orders-db read-only 10m bench: throughput');
      const id = Number(/#(\d+)/.exec(reply)?.[1]);
      if (!Number.isInteger(id)) throw new Error(`request refused: ${reply}`);
      await harness.clickAndReply(harness.users.manager1, id);
      await waitUntil(statusIs(id, 'ACTIVE'), 30_000, () => `#${id} to be active`);
      await harness.ask(userId, `revoke ${id}`);
      await waitUntil(statusIs(id, 'REVOKED'), 30_000, () => `#${id} to be revoked`);
    };
    let lifecycles = 0;
    const start = performance.now();
    const deadline = start + settings.seconds * 1000;
    await Promise.all(
      requesters.map(async ({ id }) => {
        while (performance.now() < deadline) {
          await lifecycle(id);
          lifecycles++;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const bareJobsPerSecond = await withBareQueue(`${harness.redisPrefix}-bare`, settings.workerConcurrency, async (queue, startWorker) => {
      await queue.addBulk(Array.from({ length: settings.bareJobs }, () => ({ name: 'noop', data: {} })));
      let done = 0;
      const bareStart = performance.now();
      startWorker(() => done++);
      await waitUntil(
        () => (done >= settings.bareJobs ? true : undefined),
        60_000,
        () => 'bare jobs to finish',
      );
      return settings.bareJobs / ((performance.now() - bareStart) / 1000);
    });
    return {
      workerConcurrency: settings.workerConcurrency,
      lifecycles,
      seconds: round(seconds, 1),
      lifecyclesPerSecond: round(lifecycles / seconds),
      bareJobsPerSecond: round(bareJobsPerSecond, 0),
    };
  } finally {
    await harness.stop();
    await forEachRole(`DROP ROLE IF EXISTS %ROLE%`);
  }
}
