import { and, eq, inArray, sql } from 'drizzle-orm';
import type { RunDigestReader } from '../services/ports/run-digest.js';
import type { Db } from './client.js';
import { proposals, provenance, runs } from './schema.js';

/** The ops summary's reads of one run: its log rows (provenance_run_idx), its waiting cards and its row. */
export function createRunDigestReader(db: Db): RunDigestReader {
  return {
    async changes(runId, actions) {
      if (actions.length === 0) return [];
      return await db
        .select({ recordId: provenance.recordId, field: provenance.field })
        .from(provenance)
        .where(and(eq(provenance.runId, runId), inArray(provenance.action, [...actions])))
        .groupBy(provenance.recordId, provenance.field)
        .orderBy(sql`min(${provenance.id})`);
    },

    async waiting(runId) {
      return await db
        .select({
          recordId: proposals.recordId,
          ownerSlackId: proposals.ownerSlackId,
          count: sql<number>`count(*)::int`,
        })
        .from(proposals)
        .where(and(eq(proposals.runId, runId), eq(proposals.status, 'pending')))
        .groupBy(proposals.recordId, proposals.ownerSlackId)
        .orderBy(proposals.recordId);
    },

    async run(runId) {
      const [row] = await db.select().from(runs).where(eq(runs.id, runId));
      return row ?? null;
    },
  };
}
