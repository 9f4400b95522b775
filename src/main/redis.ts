import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config';

/** What says which Redis the app's own connections go to. */
export type RedisSettings = Pick<Config, 'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME' | 'REDIS_SENTINEL_PASSWORD'>;

/**
 * A connection to the app's Redis: REDIS_URL's server or, with REDIS_SENTINELS, the master the Sentinels
 * name now, found again after a failover (REDIS_URL then gives only the user, password, database and
 * whether to use TLS). Every connection the app opens to its own Redis comes from here.
 */
export function openRedis(settings: RedisSettings, options: RedisOptions): Redis {
  if (!settings.REDIS_SENTINELS) return new Redis(settings.REDIS_URL, options);
  return new Redis(settings.REDIS_URL, {
    ...options,
    sentinels: settings.REDIS_SENTINELS,
    name: settings.REDIS_SENTINEL_NAME,
    sentinelPassword: settings.REDIS_SENTINEL_PASSWORD,
    enableTLSForSentinelMode: settings.REDIS_URL.startsWith('rediss:'),
  });
}
