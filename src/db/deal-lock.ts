import type postgres from 'postgres';

/**
 * Serialises work on one deal across every process: a Postgres advisory lock on a
 * reserved connection, released when the work ends or the connection dies with its
 * process, so a killed worker never leaves a deal locked.
 */
export function dealLock(sql: postgres.Sql) {
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

export type DealLock = ReturnType<typeof dealLock>;
