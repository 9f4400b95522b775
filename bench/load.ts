import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Sends `rate` requests a second for `seconds`, open loop: a slow answer does not slow the sending, and each
 * latency counts from the moment its request was due (so a stalled sender shows up as latency too).
 */
export async function steadyRate(
  rate: number,
  seconds: number,
  send: () => Promise<{ status: number }>,
): Promise<{ latenciesMs: number[]; failures: number }> {
  const total = rate * seconds;
  const intervalMs = 1000 / rate;
  const start = performance.now();
  const latenciesMs: number[] = [];
  let failures = 0;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const dueAt = start + i * intervalMs;
    const wait = dueAt - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(
      send().then(
        (reply) => {
          if (reply.status === 200) latenciesMs.push(performance.now() - dueAt);
          else failures++;
        },
        () => void failures++,
      ),
    );
  }
  await Promise.all(inFlight);
  return { latenciesMs, failures };
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
