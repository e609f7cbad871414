import type { ProposalRow } from '../../domain/proposal.js';
import type { ProvenanceEntry, ProvenanceRow } from '../../domain/provenance.js';
import type { RunRow } from '../../domain/run-record.js';
import type { Tx } from './transaction.js';
import type { WriteJournal } from './write-journal.js';

/** What undo reads and writes in Scout's own database (the CRM side goes through the CRM port). */
export interface UndoStore {
  run(runId: string): Promise<RunRow | null>;
  change(id: number): Promise<ProvenanceRow | null>;
  /** The live changes (written or applied rows) a run made, in log order. */
  changesOfRun(runId: string): Promise<ProvenanceRow[]>;
  /** Of these changes, the ones an earlier live undo already reverted. */
  undone(changeIds: readonly number[]): Promise<Set<number>>;
  /** One deal's undo rows, together; inside `tx` when given (the restores' own transaction). */
  log(entries: readonly ProvenanceEntry[], tx?: Tx): Promise<void>;
  /** Write-ahead intents of remote CRM writes, in the same database (docs/guarantees.md#g19). */
  readonly journal: WriteJournal;
  /** A run's proposals that could still write: pending, or approved / edited and not yet applied. */
  openProposals(runId: string): Promise<ProposalRow[]>;
  /** The live `applied` row of an approved proposal: the change its card's Undo reverts. */
  appliedChangeOf(proposalId: string): Promise<number | null>;
  /**
   * pending | approved | edited → expired because its run was undone, with why as its
   * outcome and its log row (made from the expired row) in the same commit; null when it
   * was settled first.
   */
  stopProposal(
    id: string,
    outcome: string,
    log: (stopped: ProposalRow) => ProvenanceEntry,
  ): Promise<ProposalRow | null>;
}
