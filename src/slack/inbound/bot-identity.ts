import type { Logger } from '../../shared/logger';

/** The bot's own ids, as auth.test gives them (Bolt's ignoreSelf uses them to skip the app's own events). */
export interface BotIds {
  botId?: string;
  botUserId?: string;
}

/** Waits between attempts: doubling from the first, capped at the last. */
const LOOKUP_RETRY_MS = { first: 1_000, max: 60_000 } as const;

/**
 * The bot's identity, looked up once in the background and retried until Slack answers, so that no
 * request ever waits for auth.test: until it is known, listeners run without it.
 */
export class BotIdentity {
  private known: BotIds = {};
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly lookup: () => Promise<BotIds>,
    private readonly logger: Logger,
    private readonly retry: { first: number; max: number } = LOOKUP_RETRY_MS,
  ) {}

  /** What is known now: the ids once auth.test has answered, nothing before. */
  get ids(): BotIds {
    return this.known;
  }

  /** Starts the lookup without waiting for it. */
  start(): void {
    void this.attempt(this.retry.first);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(nextDelayMs: number): Promise<void> {
    try {
      this.known = await this.lookup();
      this.logger.info(this.known, 'bot identity known (auth.test)');
    } catch (err) {
      if (this.stopped) return;
      this.logger.warn({ err, retryInMs: nextDelayMs }, 'auth.test failed; the bot identity is looked up again later');
      this.timer = setTimeout(() => void this.attempt(Math.min(nextDelayMs * 2, this.retry.max)), nextDelayMs);
      this.timer.unref();
    }
  }
}
