import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { BatchStore } from '../services/ports/batch-store.js';
import type { Db } from './client.js';
import { extractionBatches, extractionBatchItems, provenance, runs } from './schema.js';

/** How long a collector may go silent before another process may take the batch over. */
const LEASE_MS = 10 * 60_000;

export function createBatchStore(db: Db): BatchStore {
  return {
    async record(batch, items) {
      await db.transaction(async (tx) => {
        await tx
          .insert(extractionBatches)
          .values({ ...batch, status: 'submitted', requestCount: items.length });
        for (let i = 0; i < items.length; i += 1000) {
          await tx.insert(extractionBatchItems).values(
            items.slice(i, i + 1000).map((it) => ({
              batchId: batch.id,
              customId: it.customId,
              dealId: it.dealId,
              noteIds: [...it.noteIds],
            })),
          );
        }
      });
    },

    async findOpen() {
      const [row] = await db
        .select({ batch: extractionBatches, run: runs })
        .from(extractionBatches)
        .innerJoin(runs, eq(runs.id, extractionBatches.runId))
        .where(eq(extractionBatches.status, 'submitted'))
        .orderBy(asc(extractionBatches.submittedAt))
        .limit(1);
      if (!row) return null;
      const b = row.batch;
      return {
        id: b.id,
        runId: b.runId,
        scanned: b.scanned,
        noNewNotes: b.noNewNotes,
        requestCount: b.requestCount,
        submittedAt: b.submittedAt,
        run: row.run,
      };
    },

    async claim(batchId, collector, now) {
      const rows = await db
        .update(extractionBatches)
        .set({ collector, collectingSince: now })
        .where(
          and(
            eq(extractionBatches.id, batchId),
            or(
              isNull(extractionBatches.collector),
              eq(extractionBatches.collector, collector),
              lt(extractionBatches.collectingSince, new Date(now.getTime() - LEASE_MS)),
            ),
          ),
        )
        .returning({ id: extractionBatches.id });
      return rows.length === 1;
    },

    async uncollectedItems(batchId) {
      const rows = await db
        .select()
        .from(extractionBatchItems)
        .where(
          and(eq(extractionBatchItems.batchId, batchId), eq(extractionBatchItems.collected, false)),
        );
      return rows.map((r) => ({ customId: r.customId, dealId: r.dealId, noteIds: r.noteIds }));
    },

    async actionCounts(runId) {
      const rows = await db
        .select({ action: provenance.action, n: sql<number>`count(*)::int` })
        .from(provenance)
        .where(eq(provenance.runId, runId))
        .groupBy(provenance.action);
      return Object.fromEntries(rows.map((r) => [r.action, r.n]));
    },

    async markCollected(batchId, now) {
      await db
        .update(extractionBatches)
        .set({ status: 'collected', collectedAt: now, collector: null })
        .where(eq(extractionBatches.id, batchId));
    },
  };
}
