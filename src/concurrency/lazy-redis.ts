import { Redis } from 'ioredis';

/** A Redis connection made at its first use; `ready` before each use, `close` at the end. */
export interface LazyRedis {
  readonly redis: Redis;
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * For request budgets shared between processes: a command that never calls the API never
 * connects, and a failed connect is tried again by the next use instead of sticking.
 */
export function openLazyRedis(url: string, purpose: string): LazyRedis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  let connecting: Promise<void> | null = null;
  return {
    redis,
    async ready() {
      connecting ??= redis.connect().catch((error: Error) => {
        connecting = null;
        throw new Error(`cannot reach Redis for the ${purpose}: ${error.message}`);
      });
      await connecting;
    },
    async close() {
      if (redis.status !== 'end' && redis.status !== 'wait') await redis.quit().catch(() => {});
      else redis.disconnect();
    },
  };
}
