import { BOT_TOKEN, type Harness, SIGNING_SECRET } from '../../test/support/harness';
import type { AppProcess } from '../../test/support/app-process';
import { sendSlashCommand } from '../../devkit/slack-standin/signed-request';
import { steadyRate } from '../load';
import { BenchProcess, peakResidentMiB, residentMiB } from '../processes';
import { waitForIdleQueues } from '../queues';
import { ratio, type Summary, summarize } from '../stats';

export const REQUEST_TEXT = 'request orders-db read-only 10m bench: acknowledgement';

export interface AckResult {
  rate: number;
  seconds: number;
  ours: Summary & { failures: number };
  bare: Summary & { failures: number };
  ratioP50: number;
  ratioP99: number;
}

export interface MemoryResult {
  idleMiB: number;
  peakUnderLoadMiB: number;
}

/**
 * 1 and 6: signed `/prod-access request …` at steady rates to the `all` process's real endpoint, then the
 * same to a bare Bolt app that only acks; the app's resident memory idle and at its peak under that load.
 */
export async function benchAcknowledgement(
  harness: Harness,
  app: AppProcess,
  settings: { rates: number[]; seconds: number },
): Promise<{ ack: AckResult[]; memory: MemoryResult }> {
  const memory: MemoryResult = { idleMiB: residentMiB(app.pid), peakUnderLoadMiB: 0 };
  const { process: bare, port } = await BenchProcess.start('bare-bolt.ts', {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: harness.slack.apiUrl,
  });
  const bareEndpoint = `http://127.0.0.1:${port}/slack/events`;
  const user = harness.users.dev;
  const ack: AckResult[] = [];
  try {
    for (const rate of settings.rates) {
      const loaded = await peakResidentMiB(
        app.pid,
        steadyRate(rate, settings.seconds, () => harness.command(user, REQUEST_TEXT)),
      );
      memory.peakUnderLoadMiB = Math.max(memory.peakUnderLoadMiB, loaded.peakMiB);
      await waitForIdleQueues(harness.redisPrefix);
      const floor = await steadyRate(rate, settings.seconds, () =>
        sendSlashCommand(bareEndpoint, SIGNING_SECRET, {
          text: REQUEST_TEXT,
          user_id: user,
          response_url: harness.slack.responseUrl('bare'),
        }),
      );
      const ours = { ...summarize(loaded.result.latenciesMs), failures: loaded.result.failures };
      const baseline = { ...summarize(floor.latenciesMs), failures: floor.failures };
      ack.push({
        rate,
        seconds: settings.seconds,
        ours,
        bare: baseline,
        ratioP50: ratio(ours.p50, baseline.p50),
        ratioP99: ratio(ours.p99, baseline.p99),
      });
    }
  } finally {
    await bare.stop();
  }
  return { ack, memory };
}
