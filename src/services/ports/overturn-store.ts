import type { LatestScoutChange, Overturn } from '../../domain/overturns.js';

/**
 * Overturn detection's reads and writes: the newest Scout change per field of some
 * deals, and the `overturned` rows it logs.
 */
export interface OverturnStore {
  latestChanges(object: string, recordIds: readonly string[]): Promise<LatestScoutChange[]>;
  /** Logs each overturn once: a row already logged since the change (another process) wins. */
  log(input: { runId: string; object: string; overturns: readonly Overturn[] }): Promise<number>;
}
