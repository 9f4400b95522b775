import type { RateTier } from './method-rules';

/**
 * Slack's Web API rate limits, as a token bucket per key.
 *
 * The model, from docs.slack.dev/apis/web-api/rate-limits:
 * - Tiers 1–4 allow "1+", "20+", "50+" and "100+" calls a minute per method, per app, per workspace
 *   (here: per token, since a stand-in plays one workspace), with bursts tolerated. Each (token,
 *   method) gets a bucket holding one minute's worth of calls, refilled continuously at the tier's
 *   rate: a burst of a full minute's quota passes at once, and after that calls pass at the
 *   published rate. The stand-in uses each tier's floor, the part Slack promises.
 * - chat.postMessage allows "1 message per second per channel", with "short bursts >1 allowed" and no
 *   guarantee beyond that: each (token, channel) bucket holds CHANNEL_BURST messages, refilled at one a
 *   second. Slack names a workspace-wide message limit but publishes no number, so none is modelled.
 * - Over the limit Slack answers HTTP 429 with Retry-After in whole seconds and `ratelimited`; a
 *   refused call takes nothing from the bucket.
 */

const PER_MINUTE: Record<Exclude<RateTier, 'postMessage'>, number> = { 1: 1, 2: 20, 3: 50, 4: 100 };
/** Messages one channel takes at once before the one-a-second pace applies. */
export const CHANNEL_BURST = 5;
const MESSAGES_PER_SECOND = 1;

interface Bucket {
  tokens: number;
  at: number;
}

interface BucketShape {
  capacity: number;
  perMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number) {}

  /**
   * Takes one call of `method` for `token` from its bucket, or says how long to wait.
   * `channel` is the conversation a chat.postMessage posts to.
   */
  take(token: string, method: string, tier: RateTier, channel?: string): RateDecision {
    const key = tier === 'postMessage' ? `${token}\n${method}\n${channel ?? ''}` : `${token}\n${method}`;
    const shape = shapeOf(tier);
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: shape.capacity, at: now };
    const tokens = Math.min(shape.capacity, bucket.tokens + (now - bucket.at) * shape.perMs);
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at: now });
      return { allowed: true };
    }
    this.buckets.set(key, { tokens, at: now });
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / shape.perMs / 1000)) };
  }

  /** Every bucket full again, as after a quiet minute. */
  reset(): void {
    this.buckets.clear();
  }
}

function shapeOf(tier: RateTier): BucketShape {
  if (tier === 'postMessage') return { capacity: CHANNEL_BURST, perMs: MESSAGES_PER_SECOND / 1000 };
  const perMinute = PER_MINUTE[tier];
  return { capacity: perMinute, perMs: perMinute / 60_000 };
}
