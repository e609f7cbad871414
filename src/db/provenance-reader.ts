import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { provenance } from './schema.js';

/** A provenance row as `scout log --json` prints it (SPEC interface contract). */
export interface ProvenanceRowJson {
  id: number;
  run_id: string;
  object: string;
  record_id: string;
  field: string;
  action: string;
  reason: string | null;
  previous_value: unknown;
  new_value: unknown;
  rep_value: unknown;
  source_note_id: string | null;
  quote: string | null;
  model: string | null;
  confidence: number | null;
  actor: string;
  dry_run: boolean;
  created_at: string;
  proposal_id: string | null;
}

/** Streams provenance rows in order, a page at a time, filtered by run and/or deal. */
export async function* readProvenance(
  db: Db,
  filter: { runId?: string; dealId?: string },
  pageSize = 1000,
): AsyncGenerator<ProvenanceRowJson> {
  let after = 0;
  for (;;) {
    const conditions: SQL[] = [gt(provenance.id, after)];
    if (filter.runId) conditions.push(eq(provenance.runId, filter.runId));
    if (filter.dealId) conditions.push(eq(provenance.recordId, filter.dealId));
    const rows = await db
      .select()
      .from(provenance)
      .where(and(...conditions))
      .orderBy(asc(provenance.id))
      .limit(pageSize);
    for (const r of rows) {
      yield {
        id: r.id,
        run_id: r.runId,
        object: r.object,
        record_id: r.recordId,
        field: r.field,
        action: r.action,
        reason: r.reason,
        previous_value: r.previousValue ?? null,
        new_value: r.newValue ?? null,
        rep_value: r.repValue ?? null,
        source_note_id: r.sourceNoteId,
        quote: r.quote,
        model: r.model,
        confidence: r.confidence,
        actor: r.actor,
        dry_run: r.dryRun,
        created_at: r.createdAt.toISOString(),
        proposal_id: r.proposalId,
      };
    }
    if (rows.length < pageSize) return;
    after = rows.at(-1)?.id ?? after;
  }
}
