import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from './client.js';
import { createProposalStore, type ProposalRow } from './proposal-store.js';
import type { ProvenanceEntry } from './run-ledger.js';
import { proposals, provenance, runs } from './schema.js';

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
  /** One deal's undo rows, together. */
  log(entries: readonly ProvenanceEntry[]): Promise<void>;
  pendingProposals(runId: string): Promise<ProposalRow[]>;
  /** The live `applied` row of an approved proposal: the change its card's Undo reverts. */
  appliedChangeOf(proposalId: string): Promise<number | null>;
  /** pending → expired because its run was undone; the row, or null when it was decided first. */
  expireProposal(id: string, log: ProvenanceEntry): Promise<ProposalRow | null>;
}

const CHANGES = ['written', 'applied'];

export function createUndoStore(db: Db): UndoStore {
  const proposalStore = createProposalStore(db);
  return {
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

    async log(entries) {
      if (entries.length === 0) return;
      await db.insert(provenance).values([...entries]);
    },

    pendingProposals: (runId) =>
      db
        .select()
        .from(proposals)
        .where(and(eq(proposals.runId, runId), eq(proposals.status, 'pending')))
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

    expireProposal: (id, log) => proposalStore.expire(id, null, log),
  };
}
