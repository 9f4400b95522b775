import { randomUUID } from 'node:crypto';
import { AUDIT_CHANNEL_INTERVAL_MS, MAX_LINES_PER_MESSAGE, planAuditMessage, REFUSAL_LINE_WINDOW_MS } from '../domain/audit-lines';
import type { AuditChannel, AuditLog, Clock } from './ports';

export interface AuditChannelDeps {
  audit: Pick<AuditLog, 'acquireChannel' | 'releaseChannel' | 'markPosted' | 'postable'>;
  channel: AuditChannel;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
  intervalMs?: number;
}

/** Longer than any one message takes to post (Slack's retries included); a crashed holder frees it after this. */
const LEASE_MS = 60_000;
/** Undelivered events read at once; more than a message holds, so folded refusals are counted together. */
const SCAN_LIMIT = 2 * MAX_LINES_PER_MESSAGE;

export interface FlushReport {
  messages: number;
  lines: number;
}

/**
 * Brings the audit channel up to date: one worker at a time (a lease in the database), every undelivered
 * event in id order, one message at most every interval. Alone, a line goes out at once; under a burst,
 * the lines that waited go out together, as many as one message takes. Each event is marked delivered
 * with the message that carried it.
 */
export function flushAuditChannel(deps: AuditChannelDeps) {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const intervalMs = deps.intervalMs ?? AUDIT_CHANNEL_INTERVAL_MS;
  const nextMessage = async () => planAuditMessage(await deps.audit.postable(deps.clock.now(), REFUSAL_LINE_WINDOW_MS, SCAN_LIMIT));

  // One holder per process, so a flush that could not let go (the database went away) takes its own lease
  // back at the next try instead of waiting for it to run out; within the process, one flush at a time.
  const holder = randomUUID();
  let running: Promise<FlushReport> | undefined;
  let askedAgain = false;
  // Posted, but the database did not take the mark: marked first at the next try, never posted twice.
  let unmarked: { eventIds: bigint[]; postedAt: Date } | undefined;

  async function markPosted(eventIds: bigint[], postedAt: Date): Promise<void> {
    unmarked = { eventIds, postedAt };
    await deps.audit.markPosted(holder, eventIds, postedAt, new Date(postedAt.getTime() + LEASE_MS));
    unmarked = undefined;
  }

  async function flushAll(): Promise<FlushReport> {
    const report: FlushReport = { messages: 0, lines: 0 };
    for (;;) {
      askedAgain = false;
      const now = deps.clock.now();
      const lease = await deps.audit.acquireChannel(holder, now, new Date(now.getTime() + LEASE_MS));
      // Another process holds the channel; it looks again after letting go, so these events are not left behind.
      if (!lease) return report;
      let lastPostedAt = lease.lastPostedAt;
      try {
        if (unmarked) await markPosted(unmarked.eventIds, unmarked.postedAt);
        for (let lines = await nextMessage(); lines.length > 0; lines = await nextMessage()) {
          const wait = lastPostedAt ? lastPostedAt.getTime() + intervalMs - deps.clock.now().getTime() : 0;
          if (wait > 0) await sleep(wait);
          const posted = await deps.channel.postAudit(lines.map((line) => ({ event: line.event, count: line.covers.length })));
          lastPostedAt = deps.clock.now();
          // The lines that did not fit in the message wait for the next one, still undelivered.
          const carried = lines.slice(0, posted);
          await markPosted(
            carried.flatMap((line) => line.covers),
            lastPostedAt,
          );
          report.messages += 1;
          report.lines += carried.length;
        }
      } finally {
        await deps.audit.releaseChannel(holder);
      }
      // Events announced while the channel was held (here or in another process) were left to this flush.
      if (!askedAgain && (await nextMessage()).length === 0) return report;
    }
  }

  return async (): Promise<FlushReport> => {
    if (running) {
      askedAgain = true;
      return { messages: 0, lines: 0 };
    }
    running = flushAll();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };
}
