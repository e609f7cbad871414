import type { Db } from './client.js';

/**
 * Runs `fn` in the caller's transaction when it passes one (so what `fn` writes commits
 * with the caller's other work, docs/guarantees.md#g19), else in a transaction of its own.
 */
export function inTransaction<T>(
  db: Db,
  outer: Db | undefined,
  fn: (tx: Db) => Promise<T>,
): Promise<T> {
  return outer ? fn(outer) : db.transaction(fn);
}
