import type { Redis } from 'ioredis';
import { ScoutError } from '../errors.js';

/**
 * BullMQ keeps every job in Redis; a Redis allowed to evict keys under memory
 * pressure silently drops jobs (BullMQ itself only logs a warning). Read through
 * INFO, which managed Redis services allow even where CONFIG is disabled.
 */
export async function checkRedis(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy !== undefined && policy !== 'noeviction') {
    throw new ScoutError(
      'redis_unsafe',
      `Redis maxmemory-policy is ${policy}; Scout needs noeviction, or Redis may evict queued jobs (lost approvals). Set \`maxmemory-policy noeviction\` in redis.conf or run \`CONFIG SET maxmemory-policy noeviction\`.`,
    );
  }
}
