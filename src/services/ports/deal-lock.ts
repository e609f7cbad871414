/** Runs `fn` while no other work on the same deal runs; the lock is released however `fn` ends. */
export type DealLock = <T>(dealId: string, fn: () => Promise<T>) => Promise<T>;
/**
 * Runs `fn` while no other work on any of these deals runs: the same per-deal locks that
 * approved applies and undos take (`DealLock`), for a write that covers many deals at once.
 */
export type DealLocks = <T>(dealIds: readonly string[], fn: () => Promise<T>) => Promise<T>;
