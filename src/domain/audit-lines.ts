/** How the audit channel is written: lines in event order, gathered under a burst, repeated refusals folded. */

/** Slack keeps about one message a second per channel; the channel is never written faster than this. */
export const AUDIT_CHANNEL_INTERVAL_MS = 1100;

/**
 * Lines planned for one message at most. Under a burst a message carries as many lines as Slack's text limit
 * takes (the Slack adapter posts the ones that fit and the rest go in the next message): at one message a
 * second, 20 lines a message fell minutes behind a thousand expiries.
 */
export const MAX_LINES_PER_MESSAGE = 500;

/**
 * Refusals by one person on one request give one line per this window: every refusal keeps its audit
 * row, but 40 clicks do not post 40 lines. The line that ends a window says how many it stands for.
 */
export const REFUSAL_LINE_WINDOW_MS = 10 * 60_000;

/** An audit row as the audit channel shows it. */
export interface AuditEventRecord {
  id: bigint;
  at: Date;
  requestId: number | null;
  actor: string;
  action: string;
  detail: unknown;
}

/** One line of an audit-channel message: the event it shows, and every event it stands for (itself included). */
export interface PlannedLine {
  event: AuditEventRecord;
  covers: bigint[];
}

/**
 * The next message from the undelivered events (in id order): one line per event, except that the
 * refusals of one person on one request become one line with their count. The caller has already left
 * out refusals whose pair had a line within the window.
 */
export function planAuditMessage(events: readonly AuditEventRecord[], maxLines = MAX_LINES_PER_MESSAGE): PlannedLine[] {
  const lines: PlannedLine[] = [];
  const refusalLines = new Map<string, PlannedLine>();
  for (const event of events) {
    const pair = event.action === 'refused' && event.requestId !== null ? `${event.requestId}:${event.actor}` : undefined;
    const folded = pair ? refusalLines.get(pair) : undefined;
    if (folded) {
      folded.covers.push(event.id);
      continue;
    }
    if (lines.length === maxLines) break;
    const line = { event, covers: [event.id] };
    lines.push(line);
    if (pair) refusalLines.set(pair, line);
  }
  return lines;
}
