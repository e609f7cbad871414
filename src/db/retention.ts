import { and, isNotNull, lt, ne, notInArray, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { proposals, provenance } from './schema.js';

export interface PurgeCounts {
  /** Provenance rows whose quote was (or would be) cleared; their `quote_sha256` stays. */
  readonly provenance: number;
  /** Decided proposals whose quote was (or would be) blanked. */
  readonly proposals: number;
}

/** Proposals still awaiting a decision or an apply keep their quote: a card may show it again. */
const OPEN = ['pending', 'approved', 'edited'];

/**
 * Personal-data minimisation: clears the quotes (note excerpts) logged before `cutoff`.
 * The provenance trigger allows exactly this update (quote to NULL, nothing else) and
 * the hash chain covers the quote only through `quote_sha256`, so the log still
 * verifies. Dry, it only counts.
 */
export async function purgeQuotes(db: Db, cutoff: Date, apply: boolean): Promise<PurgeCounts> {
  const oldLog = and(isNotNull(provenance.quote), lt(provenance.createdAt, cutoff));
  const oldProposals = and(
    ne(proposals.quote, ''),
    lt(proposals.createdAt, cutoff),
    notInArray(proposals.status, OPEN),
  );
  if (!apply) {
    const [[log], [props]] = await Promise.all([
      db.select({ n: sql<number>`count(*)::int` }).from(provenance).where(oldLog),
      db.select({ n: sql<number>`count(*)::int` }).from(proposals).where(oldProposals),
    ]);
    return { provenance: log?.n ?? 0, proposals: props?.n ?? 0 };
  }
  return db.transaction(async (tx) => {
    const log = await tx
      .update(provenance)
      .set({ quote: null })
      .where(oldLog)
      .returning({ id: provenance.id });
    const props = await tx
      .update(proposals)
      .set({ quote: '' })
      .where(oldProposals)
      .returning({ id: proposals.id });
    return { provenance: log.length, proposals: props.length };
  });
}
