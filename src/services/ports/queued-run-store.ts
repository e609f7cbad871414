import type { Action } from '../../domain/actions.js';
import type { ChainHead } from '../../domain/hash-chain.js';
import type { RunRow } from '../../domain/run-record.js';
import type { ModelUsage, RunSummary } from '../../domain/run-summary.js';

export type SettledState = 'extracted' | 'no_new_notes' | 'failed';

/** What finishing a worker run adds up from its rows. */
export interface RunTotals {
  readonly scanned: number;
  readonly deals: { extracted: number; no_new_notes: number; failed: number };
  readonly usage: ModelUsage;
  readonly counts: Record<Action, number>;
  /** The provenance hash chain's newest link when the run completed. */
  readonly chainHead: ChainHead | null;
  /** CRM requests of the run job and of every settled deal job. */
  readonly crmCalls: number;
}

/**
 * Worker runs spread over many processes: the fan-out's progress, one row per deal,
 * and finishing exactly once, all kept in Postgres so any process can pick up where
 * another stopped and Redis can lose everything without losing a run.
 */
export interface QueuedRunStore {
  get(runId: string): Promise<RunRow | null>;
  startFanout(
    runId: string,
    input: { scheduleId?: string; warnings: string[]; crmCalls: number },
  ): Promise<void>;
  /**
   * Records one page of deals as queued and moves the cursor past it, atomically;
   * `firstSeq` is the page's place in the fan-out (how many deals came before it), and
   * `crmCalls` the CRM requests the run job made since it last recorded any.
   */
  queueDeals(
    runId: string,
    dealIds: readonly string[],
    nextCursor: string | null,
    firstSeq: number,
    crmCalls: number,
  ): Promise<void>;
  finishFanout(runId: string, crmCalls: number): Promise<void>;
  queuedDeals(runId: string): Promise<string[]>;
  countDeals(runId: string): Promise<number>;
  /** The run and the deal's state in it (null when the deal is not part of the run), in one read. */
  forDeal(
    runId: string,
    dealId: string,
  ): Promise<{ run: RunRow; dealState: string | null; seq: number | null } | null>;
  /** Queued deals of the run from place `seq` on, in fan-out order: the deal jobs coming next. */
  queuedFrom(runId: string, seq: number, limit: number): Promise<string[]>;
  markPausedDuring(runId: string): Promise<void>;
  /**
   * Completes the run once every deal is settled and the fan-out is done: one
   * transaction with the run row locked, so of all the processes that try, one wins.
   */
  completeIfSettled(
    runId: string,
    build: (run: RunRow, totals: RunTotals) => RunSummary,
  ): Promise<RunSummary | null>;
  /** A lease on posting the summary: the winner posts, then marks it posted. */
  claimSummary(runId: string, at: Date, leaseMs: number): Promise<boolean>;
  summaryPosted(runId: string, at: Date): Promise<void>;
  releaseSummary(runId: string): Promise<void>;
  // What the reconciler looks for.
  /**
   * Running worker runs (leased to `holder`) whose fan-out has not moved since `before`,
   * including one whose run job died between recording the run and starting its fan-out.
   */
  stalledFanouts(before: Date, holder: string): Promise<RunRow[]>;
  /** Queued deals of running runs, oldest first. */
  queuedSince(before: Date, limit: number): Promise<Array<{ runId: string; dealId: string }>>;
  /** Running runs whose fan-out is done and nothing is queued (a finish lost to a crash). */
  settledButRunning(): Promise<string[]>;
  /** Completed worker runs and interrupted runs whose summary is not posted and not being posted. */
  unposted(at: Date): Promise<RunRow[]>;
}
