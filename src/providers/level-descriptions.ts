import type { LevelAllows, LevelDescriptions, Providers } from '../app/ports';
import type { AccessLevel, Resource } from '../domain/catalog';
import { type Logger, scrubSecrets } from '../shared/logger';
import { withTimeout } from '../shared/timeout';
import { DriverError } from './support';

export interface LevelDescriptionOptions {
  providers: Providers;
  logger: Logger;
  /** How long a summary is reused, so each update of an approval message does not query the target again. */
  ttlMs?: number;
  /** How long a target that failed or was slow is left alone before it is asked again. */
  failureTtlMs?: number;
  /** The longest the message waits for the target; then it goes out saying the target could not be read. */
  timeoutMs?: number;
  now?: () => number;
}

/** A level's summary, or a read of it still under way (shared by every message that asks meanwhile). */
interface Entry {
  allows: Promise<LevelAllows>;
  until: number;
}

/**
 * What each level allows, from its provider's `describeLevel`, per resource and level for a few minutes.
 * A target that fails or does not answer in time is `unreadable` (logged, and asked again sooner): the
 * approval message never waits long for it and never fails because of it.
 */
export class CachedLevelDescriptions implements LevelDescriptions {
  private readonly cache = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: LevelDescriptionOptions) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.failureTtlMs = options.failureTtlMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.now = options.now ?? Date.now;
  }

  describe(resource: Resource, level: AccessLevel): Promise<LevelAllows> {
    const key = JSON.stringify([resource.id, level.id]);
    const cached = this.cache.get(key);
    if (cached && cached.until > this.now()) return cached.allows;
    const entry: Entry = { allows: this.read(resource, level), until: Infinity };
    this.cache.set(key, entry);
    void entry.allows.then((allows) => {
      entry.until = this.now() + (allows === 'unreadable' ? this.failureTtlMs : this.ttlMs);
    });
    return entry.allows;
  }

  private async read(resource: Resource, level: AccessLevel): Promise<LevelAllows> {
    const where = { resource: resource.id, level: level.id };
    try {
      const provider = this.options.providers(resource);
      if (!provider.describeLevel) return 'not described';
      const described = provider.describeLevel(level.target).then(
        (summary): LevelAllows => shownSummary(summary),
        (error: unknown): LevelAllows => {
          this.options.logger.warn({ ...where, err: new DriverError(error) }, 'could not read what a level allows');
          return 'unreadable';
        },
      );
      const allows = await withTimeout<LevelAllows | 'timed out'>(described, this.timeoutMs, 'timed out');
      if (allows !== 'timed out') return allows;
      this.options.logger.warn({ ...where, timeoutMs: this.timeoutMs }, 'reading what a level allows timed out');
      return 'unreadable';
    } catch (error) {
      this.options.logger.warn({ ...where, err: new DriverError(error) }, 'could not read what a level allows');
      return 'unreadable';
    }
  }
}

/** A provider's text as a channel may show it: no secret a careless module let through (the message cuts it to length). */
function shownSummary(summary: unknown): LevelAllows {
  if (typeof summary !== 'string' || summary.trim() === '') return 'not described';
  return { summary: scrubSecrets(summary.trim()) };
}
