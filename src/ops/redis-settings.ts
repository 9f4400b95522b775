import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger';
import { withTimeout } from '../shared/timeout';

/** A Redis that does not answer CONFIG GET in this long does not hold up start-up. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * Queues must not be evicted, and schedules should survive a Redis restart. Neither is fatal (the
 * reconciler rebuilds schedules from PostgreSQL) but both make revokes late, so say it loudly.
 */
export function warnAboutRedisSettings(redis: Redis, logger: Logger): Promise<void> {
  return withTimeout(readAndWarn(redis, logger), CHECK_TIMEOUT_MS, undefined);
}

async function readAndWarn(redis: Redis, logger: Logger): Promise<void> {
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const [, save] = (await redis.config('GET', 'save')) as string[];
    const [, aof] = (await redis.config('GET', 'appendonly')) as string[];
    if (policy !== 'noeviction') {
      logger.warn({ policy }, `Redis maxmemory-policy is "${policy}": queued jobs can be evicted; set it to noeviction`);
    }
    if (!save && aof !== 'yes') {
      logger.warn('Redis keeps nothing on disk (no RDB save, no AOF): a restart loses every schedule until the reconciler rebuilds them');
    }
  } catch (err) {
    logger.warn({ err }, 'could not read Redis settings (CONFIG GET refused?); make sure maxmemory-policy is noeviction');
  }
}
