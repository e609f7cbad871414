import pLimit from 'p-limit';
import type postgres from 'postgres';
import { createKeyedMutex } from '../concurrency/keyed-mutex.js';
import type { DealLock } from '../services/ports/deal-lock.js';

/** The advisory lock key of a deal; `deal-locks.ts` takes the same keys at transaction level. */
export function dealLockKey(dealId: string): string {
  return `scout-deal:${dealId}`;
}

/** Connections in a server database's pool unless told otherwise. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * Deal locks one process holds or waits for at once on a pool of `poolSize` connections.
 * Each keeps a connection of its own for as long as its work runs, and that work needs
 * other connections for its queries: if the locks took the whole pool, the holder could
 * never finish and every apply would wait forever. Half the pool stays for the work.
 */
export function dealLockSlots(poolSize: number): number {
  return Math.floor(poolSize / 2);
}

/**
 * Serialises work on one deal across every process: a Postgres advisory lock on a
 * reserved connection, released when the work ends or the connection dies with its
 * process, so a killed worker never leaves a deal locked. Work beyond the pool's
 * slots waits in this process, holding no connection.
 */
export function dealLock(sql: postgres.Sql, poolSize: number): DealLock {
  if (dealLockSlots(poolSize) < 1)
    throw new Error(
      `a deal lock needs a Postgres pool of at least 2 connections (one holds the lock, one does the work); this pool has ${poolSize}`,
    );
  const slots = pLimit(dealLockSlots(poolSize));
  return <T>(dealId: string, fn: () => Promise<T>): Promise<T> =>
    slots(async () => {
      const conn = await sql.reserve();
      try {
        await conn`select pg_advisory_lock(hashtextextended(${dealLockKey(dealId)}, 0))`;
        try {
          return await fn();
        } finally {
          await conn`select pg_advisory_unlock(hashtextextended(${dealLockKey(dealId)}, 0))`;
        }
      } finally {
        conn.release();
      }
    });
}

/**
 * The deal lock of a single-process deployment (the embedded database has one
 * connection, so an advisory lock on a second one would deadlock): a keyed mutex in
 * memory. Work on one deal runs one at a time, in arrival order; other deals run freely.
 */
export function inProcessDealLock(): DealLock {
  const mutex = createKeyedMutex();
  return (dealId, fn) => mutex.withKeys([dealId], fn);
}
