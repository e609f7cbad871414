import type postgres from 'postgres';

/** Runs `fn` while no other work on the same deal runs; the lock is released however `fn` ends. */
export type DealLock = <T>(dealId: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Serialises work on one deal across every process: a Postgres advisory lock on a
 * reserved connection, released when the work ends or the connection dies with its
 * process, so a killed worker never leaves a deal locked.
 */
export function dealLock(sql: postgres.Sql): DealLock {
  return async <T>(dealId: string, fn: () => Promise<T>): Promise<T> => {
    const conn = await sql.reserve();
    try {
      await conn`select pg_advisory_lock(hashtextextended(${`scout-deal:${dealId}`}, 0))`;
      try {
        return await fn();
      } finally {
        await conn`select pg_advisory_unlock(hashtextextended(${`scout-deal:${dealId}`}, 0))`;
      }
    } finally {
      conn.release();
    }
  };
}
