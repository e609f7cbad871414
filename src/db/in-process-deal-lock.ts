import type { DealLock } from '../services/ports/deal-lock.js';

/**
 * The deal lock of a single-process deployment (the embedded database has one
 * connection, so an advisory lock on a second one would deadlock): a keyed mutex in
 * memory. Work on one deal runs one at a time, in arrival order; other deals run freely.
 */
export function inProcessDealLock(): DealLock {
  const tails = new Map<string, Promise<void>>();
  return async <T>(dealId: string, fn: () => Promise<T>): Promise<T> => {
    const previous = tails.get(dealId) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    tails.set(dealId, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (tails.get(dealId) === tail) tails.delete(dealId);
    }
  };
}
