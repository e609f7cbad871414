import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { OPEN_STATUSES } from '../domain/proposal.js';
import type { UndoStore } from '../services/ports/undo-store.js';
import type { Db } from './client.js';
import { proposals, provenance, runs } from './schema.js';
import { createWriteJournal } from './write-journal.js';

/** Changes Scout made to the CRM: its own writes, approved applies, promoted suggestions (docs/guarantees.md#g23). */
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
