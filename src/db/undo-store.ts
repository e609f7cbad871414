import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { OPEN_STATUSES } from '../domain/proposal.js';
import type { Db } from './client.js';
import type { ProposalRow } from './proposal-store.js';
import type { ProvenanceEntry } from './run-ledger.js';
import { proposals, provenance, runs } from './schema.js';
import { createWriteJournal, type WriteJournal } from './write-journal.js';

export type ProvenanceRow = typeof provenance.$inferSelect;
export type RunRow = typeof runs.$inferSelect;

/** What undo reads and writes in Scout's own database (the CRM side goes through the CRM port). */
export interface UndoStore {
  run(runId: string): Promise<RunRow | null>;
  change(id: number): Promise<ProvenanceRow | null>;
  /** The live changes (written or applied rows) a run made, in log order. */
  changesOfRun(runId: string): Promise<ProvenanceRow[]>;
  /** Of these changes, the ones an earlier live undo already reverted. */
  undone(changeIds: readonly number[]): Promise<Set<number>>;
  /** One deal's undo rows, together; inside `tx` when given (the restores' own transaction). */
  log(entries: readonly ProvenanceEntry[], tx?: Db): Promise<void>;
  /** Write-ahead intents of remote CRM writes, in the same database (SPEC G19). */
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

/** Changes Scout made to the CRM: its own writes, approved applies, promoted suggestions (SPEC G23). */
const CHANGES = ['written', 'applied', 'promoted'];

export function createUndoStore(db: Db): UndoStore {
  return {
    journal: createWriteJournal(db),

    async run(runId) {
      const [row] = await db.select().from(runs).where(eq(runs.id, runId));
      return row ?? null;
    },

    async change(id) {
      const [row] = await db.select().from(provenance).where(eq(provenance.id, id));
      return row ?? null;
    },

    async changesOfRun(runId) {
      return db
        .select()
        .from(provenance)
        .where(
          and(
            eq(provenance.runId, runId),
            inArray(provenance.action, CHANGES),
            eq(provenance.dryRun, false),
          ),
        )
        .orderBy(asc(provenance.chainSeq));
    },

    async undone(changeIds) {
      if (changeIds.length === 0) return new Set();
      const rows = await db
        .select({ undoes: provenance.undoes })
        .from(provenance)
        .where(
          and(
            inArray(provenance.undoes, [...changeIds]),
            eq(provenance.action, 'undone'),
            eq(provenance.dryRun, false),
          ),
        );
      return new Set(rows.map((r) => r.undoes).filter((id): id is number => id !== null));
    },

    async log(entries, tx) {
      if (entries.length === 0) return;
      await (tx ?? db).insert(provenance).values([...entries]);
    },

    openProposals: (runId) =>
      db
        .select()
        .from(proposals)
        .where(and(eq(proposals.runId, runId), inArray(proposals.status, [...OPEN_STATUSES])))
        .orderBy(asc(proposals.id)),

    async appliedChangeOf(proposalId) {
      const [row] = await db
        .select({ id: provenance.id })
        .from(provenance)
        .where(
          and(
            eq(provenance.proposalId, proposalId),
            eq(provenance.action, 'applied'),
            eq(provenance.dryRun, false),
          ),
        )
        .orderBy(desc(provenance.id))
        .limit(1);
      return row?.id ?? null;
    },

    stopProposal: (id, outcome, log) =>
      db.transaction(async (tx) => {
        const [row] = await tx
          .update(proposals)
          .set({ status: 'expired', outcome, version: sql`${proposals.version} + 1` })
          .where(and(eq(proposals.id, id), inArray(proposals.status, [...OPEN_STATUSES])))
          .returning();
        if (!row) return null;
        await tx.insert(provenance).values(log(row));
        return row;
      }),
  };
}
