import type { Redis } from 'ioredis';

/** The replay record every web replica shares: true when the signature was not there yet. */
export function redisReplayRecord(redis: Redis, prefix: string) {
  return async (signature: string, ttlSeconds: number): Promise<boolean> =>
    (await redis.set(`${prefix}:slack-signature:${signature}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
}
