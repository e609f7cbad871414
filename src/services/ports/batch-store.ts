import type { RunRow } from '../../domain/run-record.js';

export interface BatchItem {
  readonly customId: string;
  readonly dealId: string;
  readonly noteIds: readonly string[];
}

export interface OpenBatch {
  readonly id: string;
  readonly runId: string;
  readonly scanned: number;
  readonly noNewNotes: number;
  readonly requestCount: number;
  readonly submittedAt: Date;
  readonly run: RunRow;
}

/** Persistence of submitted Message Batches, so collection survives an interrupted process. */
export interface BatchStore {
  record(
    batch: { id: string; runId: string; scanned: number; noNewNotes: number; submittedAt: Date },
    items: readonly BatchItem[],
  ): Promise<void>;
  /** The oldest batch submitted but not yet collected, with its run. */
  findOpen(): Promise<OpenBatch | null>;
  /** Takes (or renews) the collection lease; false when another live collector holds it. */
  claim(batchId: string, collector: string, now: Date): Promise<boolean>;
  uncollectedItems(batchId: string): Promise<BatchItem[]>;
  /** Counts per action already logged for a run (a resumed collection continues them). */
  actionCounts(runId: string): Promise<Record<string, number>>;
  markCollected(batchId: string, now: Date): Promise<void>;
}
