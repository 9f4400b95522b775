import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { postgresProvider } from '../../src/providers/postgres';
import type { Harness } from '../../test/support/harness';
import { waitUntil } from '../../test/support/wait';
import { ratio, round, type Summary, summarize } from '../stats';

export interface ApprovalResult {
  rounds: number;
  approveToAccess: Summary;
  providerGrantAlone: Summary;
  ratioP50: number;
  ratioP99: number;
  /** Our p99 minus the provider's own p99: the time prod-access adds. */
  overheadP99Ms: number;
}

/**
 * 2: from the Approve click's HTTP request until the developer's own login role can read the table
 * (PostgreSQL provider, grant-role mode), next to the provider's grant call timed alone. Between rounds
 * the role is taken back with SQL, so each round starts without access.
 */
export async function benchApproval(harness: Harness, rounds: number): Promise<ApprovalResult> {
  const { login, read } = harness.target.roles;
  const admin = new Client({ connectionString: harness.target.url() });
  // The developer's session stays open: membership is checked at each query, as it would be for them.
  const developer = new Client({ connectionString: harness.target.url(login) });
  await Promise.all([admin.connect(), developer.connect()]);
  const takeBack = () => admin.query(`REVOKE ${read} FROM ${login}`);
  try {
    const ours: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const reply = await harness.ask(harness.users.dev, 'request orders-db read-only 10m bench: approval');
      const id = Number(/#(\d+)/.exec(reply)?.[1]);
      await waitUntil(
        () => harness.approvalMessage(id),
        10_000,
        () => `approval message of #${id}`,
      );
      const start = performance.now();
      const click = harness.click(harness.users.manager1, id);
      await waitForAccess(developer);
      ours.push(performance.now() - start);
      if ((await click).status !== 200) throw new Error(`approve click of #${id} was refused`);
      await takeBack();
    }
    const provider = postgresProvider.create({ connectionEnv: harness.adminEnvName }, { [harness.adminEnvName]: harness.target.url() });
    const spec = {
      requestId: 1,
      resourceId: harness.resourceId,
      levelId: 'read-only',
      identity: login,
      target: { role: read },
      expiresAt: new Date(Date.now() + 600_000),
    };
    const alone: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      await provider.grant(spec);
      alone.push(performance.now() - start);
      await takeBack();
    }
    const approveToAccess = summarize(ours);
    const providerGrantAlone = summarize(alone);
    return {
      rounds,
      approveToAccess,
      providerGrantAlone,
      ratioP50: ratio(approveToAccess.p50, providerGrantAlone.p50),
      ratioP99: ratio(approveToAccess.p99, providerGrantAlone.p99),
      overheadP99Ms: round(approveToAccess.p99 - providerGrantAlone.p99),
    };
  } finally {
    await Promise.all([admin.end(), developer.end()]);
  }
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
