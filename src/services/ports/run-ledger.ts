import type { ChainHead } from '../../domain/hash-chain.js';
import type { ProposalEntry, ProposalRow } from '../../domain/proposal.js';
import type { ProvenanceEntry } from '../../domain/provenance.js';
import type { PriorRejection } from '../../domain/rejection-memory.js';
import type { NewRun, RunRow } from '../../domain/run-record.js';
import type { ModelUsage, RunSummary } from '../../domain/run-summary.js';
import type { Outbox } from './outbox.js';
import type { Tx } from './transaction.js';
import type { WriteJournal } from './write-journal.js';

export interface WatermarkEntry {
  dealId: string;
  noteCreatedAt: Date;
  noteId: string;
  runId: string;
}

export interface Watermark {
  readonly noteCreatedAt: Date;
  readonly noteId: string;
}

/** What a run needs to know about a page of deals before deciding anything. */
export interface PageContext {
  readonly watermarks: ReadonlyMap<string, Watermark>;
  /** Keys from `appliedKey` (domain/idempotency-keys.ts): changes already written live (docs/guarantees.md#g11). */
  readonly applied: ReadonlySet<string>;
  /** Keys from `pendingKey` (domain/idempotency-keys.ts): proposals awaiting a decision, in this run's mode. */
  readonly pending: ReadonlySet<string>;
  /** Keys from `pendingKey` (domain/idempotency-keys.ts): values Scout itself wrote live (written or applied). */
  readonly scoutWrote: ReadonlySet<string>;
  /** Keys from `rejectionKey` (domain/rejection-memory.ts): values a person rejected or dismissed, the earliest time each. */
  readonly rejected: ReadonlyMap<string, PriorRejection>;
}

/** Who holds a run's lease, and for how long each grant or renewal lasts. */
export interface RunLeaseSpec {
  readonly holder: string;
  readonly ms: number;
}

/** One page of a run: everything it logs, committed together (docs/guarantees.md#g19). */
export interface PageCommit {
  proposals: readonly ProposalEntry[];
  provenance: (stored: ReadonlySet<string>) => readonly ProvenanceEntry[];
  /**
   * Run after the proposals are stored and before any log row is written: its proposal
   * updates take their row locks before the hash chain's head (the order a click takes them
   * in, so the two never deadlock); the rows it returns are logged after the page's own.
   */
  beforeLog?: (stored: ReadonlySet<string>, tx: Tx) => Promise<readonly ProvenanceEntry[]>;
  watermarks: readonly WatermarkEntry[];
  /** Batch results settled by this page, marked collected in the same transaction. */
  collected?: { batchId: string; dealIds: readonly string[] };
  /** A run's coverage so far, kept with the page so an interrupted run can say what it scanned. */
  progress?: { runId: string; scanned: number };
  /**
   * A worker run's deal, settled in the same transaction; when another delivery of
   * the same deal job settled it first, nothing is committed and this throws
   * `AlreadySettled` (domain/run-errors.ts).
   */
  settle?: {
    runId: string;
    dealId: string;
    state: string;
    usage: ModelUsage;
    /** CRM requests the deal's job made. */
    crmCalls: number;
  };
}

/**
 * The run's persistence port: every page is committed in one transaction (proposals,
 * provenance, watermarks together), so a crash leaves whole pages or nothing.
 */
export interface RunLedger {
  /** Write-ahead intents of remote CRM writes, in the same database (docs/guarantees.md#g19). */
  readonly journal: WriteJournal;
  isPaused(): Promise<boolean>;
  /**
   * Records a run as started, holding a lease of `lease.ms` for `lease.holder` (SPEC
   * G20). Leases are kept in the database's clock, the one clock every process shares.
   */
  startRun(
    row: NewRun,
    lease: RunLeaseSpec,
    /** The text behind `row.policySha256`, kept once per hash (docs/guarantees.md#g25). */
    policyText?: string,
  ): Promise<void>;
  /** Completes a running run with its summary; throws `RunEnded` (domain/run-errors.ts) when it already ended. */
  finishRun(summary: RunSummary): Promise<void>;
  failRun(runId: string, message: string, at: Date): Promise<void>;
  /**
   * A run picked up again (a batch run resumed): running again under `lease`, unless a
   * live process still holds it. False when one does.
   */
  reclaimRun(runId: string, lease: RunLeaseSpec): Promise<boolean>;
  /** docs/guarantees.md#g20: extends every running run `lease.holder` holds, whose lease has not lapsed, to `lease.ms` from now. */
  renewLeases(lease: RunLeaseSpec): Promise<void>;
  /**
   * Marks running runs whose lease lapsed as interrupted, with what they logged so far
   * as their counts and `warning(run)` added to their warnings; the rows are locked and
   * skipped by anyone else noticing at once, so each run is marked by exactly one.
   */
  interruptLapsed(warning: (run: { leaseHolder: string | null }) => string): Promise<Array<RunRow>>;
  /** The provenance hash chain's newest link, for the run summary. */
  chainHead(): Promise<ChainHead | null>;
  loadPageContext(
    object: string,
    recordIds: readonly string[],
    dryRun: boolean,
  ): Promise<PageContext>;
  /**
   * Inserts proposals (skipping any that would duplicate a pending one) and returns the
   * ids actually stored; inside `tx` when given (the transaction that wrote the page's
   * changes to the CRM, or recorded their answers), else in a transaction of its own.
   */
  commitPage(page: PageCommit, tx?: Tx): Promise<ReadonlySet<string>>;
  /**
   * docs/guarantees.md#g12: in `tx`, after a page stored the proposals `storedIds`, the older
   * pending ones they replace become `superseded`, and a live one inherits a person's
   * approval or edit of the dry-run card for the same change (domain/supersede.ts).
   * Returns the proposals now decided (their applies are promised in `tx` through `outbox`)
   * and the log rows of these changes, for the caller to write after the page's own.
   */
  supersedeEarlier(
    storedIds: readonly string[],
    at: Date,
    tx: Tx,
  ): Promise<{ decided: ProposalRow[]; log: ProvenanceEntry[] }>;
  /** Where a carried decision's apply waits for the queue. */
  readonly outbox: Outbox;
}
