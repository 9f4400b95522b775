import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { postgresProvider } from '../../src/providers/postgres';
import type { Harness } from '../../test/support/harness';
import { type OpCounts, type PerOperation, perOperation } from '../counts';
import type { Deployment } from '../processes';
import { waitForIdleQueues } from '../queues';
import type { BenchSlack } from '../slack';
import { ratio, round, type Summary, summarize } from '../stats';

export interface ApprovalResult {
  rounds: number;
  approveToAccess: Summary;
  providerGrantAlone: Summary;
  ratioP50: number;
  ratioP99: number;
  /** Our p99 minus the provider's own p99: the time prod-access adds. */
  overheadP99Ms: number;
  /** What one round cost the app: the request, its approval message, the click, the grant and its DM. */
  counts: PerOperation;
  /** What the provider's grant call alone sends. */
  floorCounts: GrantFloor['counts'];
}

export interface GrantFloor {
  summary: Summary;
  counts: { 'provider stmts/op': number };
}

/** The target as the developer and its admin see it; REVOKE with SQL takes the access back between rounds. */
async function withTarget<T>(harness: Harness, work: (takeBack: () => Promise<unknown>, developer: Client) => Promise<T>): Promise<T> {
  const { login, read } = harness.target.roles;
  const admin = new Client({ connectionString: harness.target.url() });
  // The developer's session stays open: membership is checked at each query, as it would be for them.
  const developer = new Client({ connectionString: harness.target.url(login) });
  await Promise.all([admin.connect(), developer.connect()]);
  try {
    return await work(() => admin.query(`REVOKE ${read} FROM ${login}`), developer);
  } finally {
    await Promise.all([admin.end(), developer.end()]);
  }
}

/**
 * The floor, measured alone (no app process running): the PostgreSQL provider's grant call, in this process,
 * `rounds` times. `count` reads what this process sent, so the floor's statements are counted too.
 */
export async function providerGrantFloor(harness: Harness, rounds: number, count: () => OpCounts): Promise<GrantFloor> {
  const provider = postgresProvider.create({ connectionEnv: harness.adminEnvName }, { [harness.adminEnvName]: harness.target.url() });
  const spec = {
    requestId: 1,
    resourceId: harness.resourceId,
    levelId: 'read-only',
    identity: harness.target.roles.login,
    target: { role: harness.target.roles.read },
    expiresAt: new Date(Date.now() + 600_000),
  };
  return withTarget(harness, async (takeBack) => {
    const alone: number[] = [];
    let statements = 0;
    for (let i = 0; i < rounds; i++) {
      const sent = count().providerStatements;
      const start = performance.now();
      await provider.grant(spec);
      alone.push(performance.now() - start);
      statements += count().providerStatements - sent;
      await takeBack();
    }
    return { summary: summarize(alone), counts: { 'provider stmts/op': round(statements / rounds, 1) } };
  });
}

/**
 * 2: from the Approve click's HTTP request until the developer's own login role can read the table
 * (PostgreSQL provider, grant-role mode), next to the provider's grant call timed alone. Between rounds
 * the role is taken back with SQL, so each round starts without access.
 */
export async function benchApproval(
  harness: Harness,
  slack: BenchSlack,
  deployment: Deployment,
  rounds: number,
  floor: GrantFloor,
): Promise<ApprovalResult> {
  return withTarget(harness, async (takeBack, developer) => {
    const ours: number[] = [];
    const before = await deployment.counts(slack);
    for (let i = 0; i < rounds; i++) {
      const reply = await slack.ask(deployment.endpoint, harness.users.dev, 'request orders-db read-only 10m bench: approval');
      const id = Number(/#(\d+)/.exec(reply)?.[1]);
      const [messageTs, [response]] = await Promise.all([slack.approvalTs(id), slack.responseUrls(1)]);
      const start = performance.now();
      const click = slack.click(deployment.endpoint, harness.users.manager1, id, messageTs, response!.url);
      await waitForAccess(developer);
      ours.push(performance.now() - start);
      if ((await click).status !== 200) throw new Error(`approve click of #${id} was refused`);
      await takeBack();
    }
    await waitForIdleQueues(harness.redisPrefix);
    const counts = perOperation(before, await deployment.counts(slack), rounds);
    const approveToAccess = summarize(ours);
    return {
      rounds,
      approveToAccess,
      providerGrantAlone: floor.summary,
      ratioP50: ratio(approveToAccess.p50, floor.summary.p50),
      ratioP99: ratio(approveToAccess.p99, floor.summary.p99),
      overheadP99Ms: round(approveToAccess.p99 - floor.summary.p99),
      counts,
      floorCounts: floor.counts,
    };
  });
}

/** Polls every 2 ms (the probe's own query is about a millisecond on loopback) for at most 10 s. */
async function waitForAccess(developer: Client): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await developer.query('SELECT 1 FROM orders LIMIT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(2);
    }
  }
}
