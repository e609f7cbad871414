import { sql } from 'drizzle-orm';
import type { DealLock, DealLocks } from '../services/ports/deal-lock.js';
import type { Db } from './client.js';
import { dealLockKey } from './deal-lock.js';

/**
 * Many deals' locks on one connection: transaction-level advisory locks on the keys
 * `dealLock` takes at session level, `scout-deal:<id>` (the two levels exclude each
 * other), taken in id order so two callers never deadlock, and released when the
 * transaction ends, however `fn` ends. For a server; a run's page of up to 200 deals
 * holds one connection, not one per deal.
 */
export function advisoryDealLocks(db: Db): DealLocks {
  return (dealIds, fn) =>
    db.transaction(async (tx) => {
      for (const id of inIdOrder(dealIds))
        await tx.execute(
          sql`select pg_advisory_xact_lock(hashtextextended(${dealLockKey(id)}, 0))`,
        );
      return fn();
    });
}

/**
 * Many deals through a one-deal lock, nested in id order. On a server each deal holds a
 * connection and a lock slot of its own, so this is for one deal at a time (a worker's
 * deal job writes one), or for the embedded database, whose lock lives in memory.
 */
export function eachDealLock(lock: DealLock): DealLocks {
  return <T>(dealIds: readonly string[], fn: () => Promise<T>) =>
    inIdOrder(dealIds).reduceRight<() => Promise<T>>((inner, id) => () => lock(id, inner), fn)();
}

function inIdOrder(dealIds: readonly string[]): string[] {
  return [...new Set(dealIds)].sort();
}
