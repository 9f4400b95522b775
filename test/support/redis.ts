import { Redis } from 'ioredis';

/** The test Redis server, as the app and the Redis ACL provider tests reach it. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One connection for one piece of work, closed after it whatever happens. */
export async function withRedis<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL);
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}
