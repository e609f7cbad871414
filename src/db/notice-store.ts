import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { ProvenanceRow } from '../domain/provenance.js';
import type { Db } from './client.js';
import { ownerNotices, provenance } from './schema.js';

/**
 * The unverified FYIs of a run (a `never` field with notify_owner whose finding passed
 * the citation gate: a `denied` row carrying the cited value), for deals not told yet.
 * Each deal is claimed before posting, so its FYI is posted at most once.
 */
export async function claimNotices(db: Db, runId: string): Promise<Map<string, ProvenanceRow[]>> {
  const rows = await db
    .select()
    .from(provenance)
    .where(
      and(
        eq(provenance.runId, runId),
        eq(provenance.action, 'denied'),
        eq(provenance.actor, 'agent'),
        isNotNull(provenance.newValue),
      ),
    )
    .orderBy(asc(provenance.id));
  const byDeal = new Map<string, ProvenanceRow[]>();
  for (const r of rows) byDeal.set(r.recordId, [...(byDeal.get(r.recordId) ?? []), r]);
  const claimed = new Map<string, ProvenanceRow[]>();
  for (const [recordId, notices] of byDeal) {
    const won = await db
      .insert(ownerNotices)
      .values({ runId, recordId })
      .onConflictDoNothing()
      .returning({ recordId: ownerNotices.recordId });
    if (won.length > 0) claimed.set(recordId, notices);
  }
  return claimed;
}
