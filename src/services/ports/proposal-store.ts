import type { ApplyOutcome, DecisionStatus, ProposalRow } from '../../domain/proposal.js';
import type { ProvenanceEntry } from '../../domain/provenance.js';
import type { PropertyValue } from '../../domain/values.js';
import type { Outbox } from './outbox.js';
import type { Tx } from './transaction.js';
import type { WriteJournal } from './write-journal.js';

/**
 * Proposal state changes. Every transition is one conditional UPDATE (status and
 * version must still be what the caller saw), committed together with its provenance
 * row, so a proposal changes state exactly once however many clicks arrive.
 */
export interface ProposalStore {
  get(id: string): Promise<ProposalRow | null>;
  /**
   * pending → approved | rejected | edited, with `alongside` (what the decision promises)
   * in the same commit; null when someone else decided first, or it expired. Decisions go
   * through `recordDecision`, which knows what each one promises.
   */
  decide(
    input: {
      id: string;
      version: number;
      status: DecisionStatus;
      by: string;
      at: Date;
      editedValue?: PropertyValue;
    },
    log: ProvenanceEntry,
    alongside: (decided: ProposalRow, tx: Tx) => Promise<void>,
  ): Promise<ProposalRow | null>;
  /**
   * approved | edited → applied | would_apply | stale | failed, once; inside `tx` when
   * given (the transaction that wrote the change, or recorded the CRM's answer).
   */
  finish(
    id: string,
    status: ApplyOutcome,
    outcome: string | null,
    log: ProvenanceEntry,
    tx?: Tx,
  ): Promise<ProposalRow | null>;
  /** Write-ahead intents of remote CRM writes, in the same database (docs/guarantees.md#g19). */
  readonly journal: WriteJournal;
  /** Where a decision's promised work waits for the queue. */
  readonly outbox: Outbox;
  /**
   * pending past its expiry at `at` → expired, once; with `at` null, whatever its expiry
   * (its run was undone). Null when it was decided or expired first.
   */
  expire(id: string, at: Date | null, log: ProvenanceEntry): Promise<ProposalRow | null>;
  /** Pending proposals whose time is up. */
  due(at: Date, limit: number): Promise<ProposalRow[]>;
  /**
   * docs/guarantees.md#g24: the reason for a rejection, once (the first choice stands); null when the
   * proposal is not rejected or already has a reason.
   */
  setRejectReason(id: string, reason: string, note: string | null): Promise<ProposalRow | null>;
  /** A provenance row that is no state change (an unauthorized click). */
  log(entry: ProvenanceEntry): Promise<void>;
  /**
   * A `denied` row, unless the same actor already has one for this proposal within the
   * window: repeated refused clicks cannot grow the append-only log. False when skipped.
   */
  logDenied(entry: ProvenanceEntry, since: Date): Promise<boolean>;
  /**
   * The run's proposals that are still current (neither superseded nor expired), pending or
   * decided: a live proposal can arrive decided, carried from its dry-run card.
   */
  currentOfRun(runId: string): Promise<ProposalRow[]>;
  /** The superseded proposals that any of `ids` replaced, whose cards point at them. */
  replacedBy(ids: readonly string[]): Promise<ProposalRow[]>;
  /**
   * Claims drawing the card at `version`: true once, for the first caller, while the card
   * was last drawn at an older version; false when it is current or someone else is
   * drawing it. `drawn` records a draw that needed no claim.
   */
  claimCardDraw(id: string, version: number): Promise<boolean>;
  cardDrawn(id: string, version: number): Promise<void>;
  setCard(
    id: string,
    card: { channel: string; ts: string; ownerSlackId: string | null },
  ): Promise<void>;
  /**
   * Records the owner resolved at a click for a proposal made while the owner was unknown,
   * so later clicks and counts see it; never replaces an owner already recorded.
   */
  setOwner(id: string, ownerSlackId: string): Promise<void>;
  thread(runId: string, dealId: string): Promise<{ channel: string; ts: string } | null>;
  saveThread(runId: string, dealId: string, channel: string, ts: string): Promise<void>;
  /** Proposals waiting for a decision, live and dry-run apart (what `/scout status` shows). */
  countPending(): Promise<{ live: number; dry: number }>;
  /** Approved or edited before `before` and still not applied: the reconciler's to re-enqueue. */
  unapplied(before: Date, limit: number): Promise<ProposalRow[]>;
}
