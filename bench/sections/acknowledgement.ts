import { BOT_TOKEN, type Harness, SIGNING_SECRET } from '../../test/support/harness';
import { type PerOperation, perOperation } from '../counts';
import { steadyRate } from '../load';
import { BenchProcess, type Deployment, peakResidentMiB, residentMiB } from '../processes';
import { waitForIdleQueues } from '../queues';
import type { BenchSlack } from '../slack';
import { ratio, type Summary, summarize } from '../stats';

export const REQUEST_TEXT = 'request orders-db read-only 10m bench: acknowledgement';

export type Latencies = Summary & { failures: number };

export interface AckResult {
  deployment: string;
  rate: number;
  seconds: number;
  ours: Latencies;
  ratioP50: number;
  ratioP99: number;
  /** What each command cost, its jobs' work included as far as it ran by the end of the settling time. */
  counts: PerOperation;
  /** Whether the queues were idle again within the settling time, so the counts hold all the jobs' work. */
  settled: boolean;
}

export interface MemoryResult {
  process: string;
  /** Right after start-up, while V8 still holds the start-up's garbage. */
  startedMiB: number;
  /** After `idleSeconds` with nothing to do, once V8 has given the start-up's heap back. */
  idleMiB: number;
  peakUnderLoadMiB: number;
}

type Settings = {
  rates: number[];
  seconds: number;
  /** How long after the load the queues may take to be idle again (approval messages go at Slack's pace). */
  settleSeconds: number;
  /** How long a process stays untouched after start-up before its idle memory is read. */
  idleSeconds: number;
};

/** Signed `/prod-access request …` commands at `rate` a second to `endpoint`, each with a response_url issued beforehand. */
async function atRate(slack: BenchSlack, endpoint: string, userId: string, rate: number, seconds: number) {
  const replies = await slack.responseUrls(rate * seconds);
  let next = 0;
  return steadyRate(rate, seconds, () => slack.command(endpoint, userId, REQUEST_TEXT, replies[next++]!.url));
}

/** A second of commands, untimed, so neither the floor nor the app is measured while its code is still cold. */
const warmUp = (slack: BenchSlack, endpoint: string, userId: string) => atRate(slack, endpoint, userId, 20, 1);

/** The floor, measured alone (no app process running): a bare Bolt app that verifies and acks, nothing else. */
export async function bareBoltFloor(harness: Harness, slack: BenchSlack, settings: Settings): Promise<Map<number, Latencies>> {
  const { process: bare, port } = await BenchProcess.start('bare-bolt.ts', {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.apiUrl,
  });
  const floors = new Map<number, Latencies>();
  const endpoint = `http://127.0.0.1:${port}/slack/events`;
  try {
    await warmUp(slack, endpoint, harness.users.dev);
    for (const rate of settings.rates) {
      const floor = await atRate(slack, endpoint, harness.users.dev, rate, settings.seconds);
      floors.set(rate, { ...summarize(floor.latenciesMs), failures: floor.failures });
    }
  } finally {
    await bare.stop();
  }
  return floors;
}

/**
 * 1 and 6: the same commands at the same rates to a deployment's Slack endpoint, next to the bare Bolt
 * floor; the resident memory of its process that serves Slack, idle and at its peak under that load.
 */
export async function benchAcknowledgement(
  harness: Harness,
  slack: BenchSlack,
  deployment: Deployment,
  settings: Settings,
  floors: Map<number, Latencies>,
): Promise<{ ack: AckResult[]; memory: MemoryResult }> {
  const role = deployment.processes.some((p) => p.role === 'all') ? 'all' : 'web';
  const pid = deployment.pidOf(role);
  const startedMiB = residentMiB(pid);
  await new Promise((resolve) => setTimeout(resolve, settings.idleSeconds * 1000));
  const memory: MemoryResult = { process: role, startedMiB, idleMiB: residentMiB(pid), peakUnderLoadMiB: 0 };
  const ack: AckResult[] = [];
  await warmUp(slack, deployment.endpoint, harness.users.dev);
  await waitForIdleQueues(harness.redisPrefix, settings.settleSeconds * 1000);
  for (const rate of settings.rates) {
    const before = await deployment.counts(slack);
    const loaded = await peakResidentMiB(pid, atRate(slack, deployment.endpoint, harness.users.dev, rate, settings.seconds));
    memory.peakUnderLoadMiB = Math.max(memory.peakUnderLoadMiB, loaded.peakMiB);
    const settled = await waitForIdleQueues(harness.redisPrefix, settings.settleSeconds * 1000);
    const after = await deployment.counts(slack);
    const commands = rate * settings.seconds;
    const ours = { ...summarize(loaded.result.latenciesMs), failures: loaded.result.failures };
    const floor = floors.get(rate)!;
    ack.push({
      deployment: deployment.label,
      rate,
      seconds: settings.seconds,
      ours,
      ratioP50: ratio(ours.p50, floor.p50),
      ratioP99: ratio(ours.p99, floor.p99),
      counts: perOperation(before, after, commands),
      settled,
    });
  }
  return { ack, memory };
}
