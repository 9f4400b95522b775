import { randomBytes } from 'node:crypto';
import { SERVER_URL, withClient } from '../../test/support/databases';
import { Harness } from '../../test/support/harness';
import { type OpCounts, type PerOperation, perOperation } from '../counts';
import { Deployment } from '../processes';
import { JobEvents, waitForIdleQueues, withBareQueue } from '../queues';
import { BenchSlack } from '../slack';
import { round } from '../stats';

export interface ThroughputResult {
  deployment: string;
  workerConcurrency: number;
  lifecycles: number;
  seconds: number;
  lifecyclesPerSecond: number;
  /** What each lifecycle cost: two commands, a click, the grant and the revoke, their messages and audit lines. */
  counts: PerOperation;
}

export interface ThroughputSettings {
  /** Requesters working at once, each running one lifecycle after another. */
  requesters: number;
  /** No lifecycle starts after this long. */
  seconds: number;
  bareJobs: number;
  env: Record<string, string>;
}

/**
 * The floor, measured alone (no app process running): BullMQ's rate for `bareJobs` no-op jobs on a worker
 * of this concurrency, in this process. `count` reads what this process sent.
 */
export async function bareJobsFloor(
  prefix: string,
  concurrency: number,
  bareJobs: number,
  count: () => OpCounts,
): Promise<{ jobsPerSecond: number; counts: PerOperation }> {
  const before = count();
  const jobsPerSecond = await withBareQueue(prefix, concurrency, async (queue, startWorker) => {
    await queue.addBulk(Array.from({ length: bareJobs }, () => ({ name: 'noop', data: {} })));
    let done = 0;
    const start = performance.now();
    await new Promise<void>((resolve) => startWorker(() => ++done === bareJobs && resolve()));
    return bareJobs / ((performance.now() - start) / 1000);
  });
  return { jobsPerSecond: round(jobsPerSecond, 0), counts: perOperation(before, count(), bareJobs) };
}

/**
 * 5: full lifecycles through Slack-signed requests to a deployment of `roles` (from the build): request,
 * Approve on the approval message, the grant applied, `/prod-access revoke`, the access removed (each
 * requester has a PostgreSQL role of its own, so every revoke really runs). Each step waits on the event
 * that ends it: the reply at its response_url, the grant or revoke job's completion in BullMQ's event
 * stream (then the row is read once, to check the state it left).
 */
export async function benchThroughput(settings: ThroughputSettings, workerConcurrency: number, roles: ('all' | 'worker')[]) {
  const tag = `b${randomBytes(3).toString('hex')}`;
  const requesters = Array.from({ length: settings.requesters }, (_, i) => {
    const n = String(i).padStart(3, '0');
    return { id: `UTP${n}${tag.toUpperCase()}`, name: `${tag}_w${n}`, email: `${tag}_w${n}@example.com` };
  });
  const harness = await Harness.start({
    role: 'none',
    extraUsers: requesters,
    env: { ...settings.env, WORKER_CONCURRENCY: String(workerConcurrency) },
  });
  const forEachRole = (sql: string) =>
    withClient(SERVER_URL, async (db) => {
      for (const { name } of requesters) await db.query(sql.replaceAll('%ROLE%', name));
    });
  const slack = await BenchSlack.start(harness.suffix, requesters);
  const events = await JobEvents.start(harness.redisPrefix, ['access', 'revoke']);
  try {
    harness.useSlackApi(slack.apiUrl);
    // A person's own login role: grant-role mode grants to nothing else.
    await forEachRole(`CREATE ROLE %ROLE% LOGIN`);
    const deployment = await Deployment.start(harness, roles);
    const expectStatus = async (id: number, status: string) => {
      const found = await harness.statusOf(id);
      if (found !== status) {
        const audit = await harness.db.auditEvent.findMany({ where: { requestId: id }, orderBy: { id: 'asc' } });
        throw new Error(`#${id} is ${found}, not ${status}; its audit rows: ${JSON.stringify(audit.map((a) => [a.action, a.detail]))}`);
      }
    };
    const lifecycle = async (userId: string) => {
      const reply = await slack.ask(deployment.endpoint, userId, 'request orders-db read-only 10m bench: throughput');
      const id = Number(/#(\d+)/.exec(reply)?.[1]);
      if (!Number.isInteger(id)) throw new Error(`request refused: ${reply}`);
      const granted = events.completion('access', `grant-${id}`);
      await slack.approve(deployment.endpoint, harness.users.manager1, id);
      await granted;
      await expectStatus(id, 'ACTIVE');
      const revoked = events.completion('revoke', `revoke-now-${id}`);
      await slack.ask(deployment.endpoint, userId, `revoke ${id}`);
      await revoked;
      await expectStatus(id, 'REVOKED');
    };
    const before = await deployment.counts(slack);
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
    await waitForIdleQueues(harness.redisPrefix);
    return {
      deployment: deployment.label,
      workerConcurrency,
      lifecycles,
      seconds: round(seconds, 1),
      lifecyclesPerSecond: round(lifecycles / seconds),
      counts: perOperation(before, await deployment.counts(slack), lifecycles),
    } satisfies ThroughputResult;
  } finally {
    await events.close();
    await harness.stop();
    await slack.stop();
    await forEachRole(`DROP ROLE IF EXISTS %ROLE%`);
  }
}
