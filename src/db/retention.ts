import { and, isNotNull, lt, ne, notInArray, sql } from 'drizzle-orm';
import { OPEN_STATUSES } from '../domain/proposal.js';
import { ScoutError } from '../errors.js';
import type { Db } from './client.js';
import { proposals, provenance } from './schema.js';

export interface PurgeCounts {
  /** Provenance rows whose quote was (or would be) cleared; their `quote_sha256` stays. */
  readonly provenance: number;
  /** Decided proposals whose quote was (or would be) blanked. */
  readonly proposals: number;
}

/**
 * Personal-data minimisation: clears the quotes (note excerpts) logged more than
 * `olderThanDays` before `now`. The runtime may not update the log (docs/guarantees.md#g21): the
 * clearing is `scout_purge_quotes`, a function of the schema owner that refuses a
 * period shorter than the retention floor (`scout_retention.min_days`) and that the
 * provenance trigger lets set a quote to NULL and nothing else. The hash chain covers
 * the quote only through `quote_sha256`, so the log still verifies. Dry, it only counts.
 */
export async function purgeQuotes(
  db: Db,
  olderThanDays: number,
  now: Date,
  apply: boolean,
): Promise<PurgeCounts> {
  const cutoff = new Date(now.getTime() - olderThanDays * 86_400_000);
  const oldLog = and(isNotNull(provenance.quote), lt(provenance.createdAt, cutoff));
  const oldProposals = and(
    ne(proposals.quote, ''),
    lt(proposals.createdAt, cutoff),
    notInArray(proposals.status, [...OPEN_STATUSES]),
  );
  if (!apply) {
    const [[log], [props]] = await Promise.all([
      db.select({ n: sql<number>`count(*)::int` }).from(provenance).where(oldLog),
      db.select({ n: sql<number>`count(*)::int` }).from(proposals).where(oldProposals),
    ]);
    return { provenance: log?.n ?? 0, proposals: props?.n ?? 0 };
  }
  return db.transaction(async (tx) => {
    let cleared: number;
    try {
      const result: unknown = await tx.execute(
        sql`select scout_purge_quotes(${olderThanDays}::integer)::text as n`,
      );
      // postgres.js answers with the rows, PGlite (the demo) with `{ rows }`.
      const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
        n: string;
      }[];
      cleared = Number(rows[0]?.n ?? 0);
    } catch (error) {
      // drizzle wraps the driver's error; the function's refusal is its cause.
      const cause = (error as { cause?: unknown }).cause;
      const message = cause instanceof Error ? cause.message : (error as Error).message;
      if (/retention period/.test(message))
        throw new ScoutError('usage', `scout purge: ${message}`);
      throw error;
    }
    const props = await tx
      .update(proposals)
      .set({ quote: '' })
      .where(oldProposals)
      .returning({ id: proposals.id });
    return { provenance: cleared, proposals: props.length };
  });
}
