import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { AWAITING_APPLY } from '../domain/proposal.js';
import type { WriteJournal } from '../services/ports/write-journal.js';
import type { Db } from './client.js';
import { proposals, provenance, writeIntents } from './schema.js';

export function createWriteJournal(db: Db): WriteJournal {
  return {
    transaction: (fn) => db.transaction(fn),

    async open(drafts) {
      if (drafts.length === 0) return [];
      const rows = await db
        .insert(writeIntents)
        .values(
          drafts.map((d) => ({
            runId: d.entry.runId,
            object: d.entry.object,
            recordId: d.recordId,
            property: d.property,
            mode: d.mode,
            expected: d.expected,
            value: d.value,
            entry: d.entry,
            proposalId: d.proposalId ?? null,
          })),
        )
        .returning({ id: writeIntents.id });
      return rows.map((r) => r.id);
    },

    async close(tx, ids) {
      if (ids.length === 0) return;
      await tx
        .update(writeIntents)
        .set({ settledAt: sql`now()`, outcome: 'recorded' })
        .where(inArray(writeIntents.id, [...ids]));
    },

    async pending({ recordIds, before, limit }) {
      if (recordIds && recordIds.length === 0) return [];
      return db
        .select()
        .from(writeIntents)
        .where(
          and(
            isNull(writeIntents.settledAt),
            recordIds ? inArray(writeIntents.recordId, [...recordIds]) : undefined,
            before ? lt(writeIntents.createdAt, before) : undefined,
          ),
        )
        .orderBy(asc(writeIntents.id))
        .limit(limit);
    },

    async claim(tx, ids) {
      if (ids.length === 0) return [];
      return tx
        .select()
        .from(writeIntents)
        .where(and(inArray(writeIntents.id, [...ids]), isNull(writeIntents.settledAt)))
        .orderBy(asc(writeIntents.id))
        .for('update', { skipLocked: true });
    },

    async settle(tx, id, outcome) {
      await tx
        .update(writeIntents)
        .set({ settledAt: sql`now()`, outcome })
        .where(eq(writeIntents.id, id));
    },

    async alreadyLogged(tx, entry) {
      const [row] = await tx
        .select({ id: provenance.id })
        .from(provenance)
        .where(
          and(
            eq(provenance.runId, entry.runId),
            eq(provenance.recordId, entry.recordId),
            eq(provenance.field, entry.field),
            eq(provenance.action, entry.action),
            eq(provenance.dryRun, false),
            sql`${provenance.newValue} is not distinct from ${JSON.stringify(entry.newValue ?? null)}::jsonb`,
          ),
        )
        .limit(1);
      return row !== undefined;
    },

    async finishProposal(tx, proposalId) {
      const rows = await tx
        .update(proposals)
        .set({ status: 'applied', outcome: null, version: sql`${proposals.version} + 1` })
        .where(and(eq(proposals.id, proposalId), inArray(proposals.status, [...AWAITING_APPLY])))
        .returning({ id: proposals.id });
      return rows.length > 0;
    },

    async log(tx, entry) {
      await tx.insert(provenance).values(entry);
    },
  };
}
