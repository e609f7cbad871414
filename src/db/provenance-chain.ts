import { asc, eq, gt, sql } from 'drizzle-orm';
import type { CanonicalField, ChainHead, ChainRow } from '../domain/hash-chain.js';
import type { Db } from './client.js';
import { provenance, provenanceChainHead } from './schema.js';

type Expr = ReturnType<typeof sql<string | null>>;

/**
 * The canonical fields as text, through builtin casts only (the same ones the trigger's
 * `scout_provenance_canonical` uses): the verifier trusts no function of Scout's that a
 * tamperer could have replaced.
 */
const CANONICAL_SELECT: Record<CanonicalField, Expr> = {
  chain_seq: sql<string>`${provenance.chainSeq}::text`,
  prev_hash: sql<string>`${provenance.prevHash}`,
  id: sql<string>`${provenance.id}::text`,
  run_id: sql<string>`${provenance.runId}`,
  object: sql<string>`${provenance.object}`,
  record_id: sql<string>`${provenance.recordId}`,
  field: sql<string>`${provenance.field}`,
  action: sql<string>`${provenance.action}`,
  reason: sql<string | null>`${provenance.reason}`,
  previous_value: sql<string | null>`${provenance.previousValue}::text`,
  new_value: sql<string | null>`${provenance.newValue}::text`,
  rep_value: sql<string | null>`${provenance.repValue}::text`,
  source_note_id: sql<string | null>`${provenance.sourceNoteId}`,
  quote_sha256: sql<string | null>`${provenance.quoteSha256}`,
  model: sql<string | null>`${provenance.model}`,
  confidence: sql<string | null>`encode(float8send(${provenance.confidence}), 'hex')`,
  actor: sql<string>`${provenance.actor}`,
  dry_run: sql<string>`${provenance.dryRun}::text`,
  proposal_id: sql<string | null>`${provenance.proposalId}`,
  undoes: sql<string | null>`${provenance.undoes}::text`,
  created_at: sql<string>`((extract(epoch from ${provenance.createdAt}) * 1000000)::bigint)::text`,
};

const PREFIXED = Object.fromEntries(
  Object.entries(CANONICAL_SELECT).map(([k, v]) => [`c_${k}`, v]),
) as { [K in CanonicalField as `c_${K}`]: Expr };

/** Every provenance row in chain order, a page at a time. */
export async function* readChain(db: Db, pageSize = 2000): AsyncGenerator<ChainRow> {
  let after = 0;
  for (;;) {
    const rows = await db
      .select({
        id: provenance.id,
        chainSeq: provenance.chainSeq,
        prevHash: provenance.prevHash,
        rowHash: provenance.rowHash,
        quote: provenance.quote,
        quoteSha256: provenance.quoteSha256,
        ...PREFIXED,
      })
      .from(provenance)
      .where(gt(provenance.chainSeq, after))
      .orderBy(asc(provenance.chainSeq))
      .limit(pageSize);
    for (const r of rows) {
      const fields = Object.fromEntries(
        Object.keys(CANONICAL_SELECT).map((k) => [k, r[`c_${k as CanonicalField}`]]),
      ) as Record<CanonicalField, string | null>;
      yield {
        id: r.id,
        chainSeq: r.chainSeq,
        prevHash: r.prevHash,
        rowHash: r.rowHash,
        quote: r.quote,
        quoteSha256: r.quoteSha256,
        fields,
      };
    }
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) return;
    after = last.chainSeq;
  }
}

/** The newest link as the chain head table holds it (null if someone removed the row). */
export async function readChainHead(db: Pick<Db, 'select'>): Promise<ChainHead | null> {
  const [row] = await db
    .select({ seq: provenanceChainHead.seq, hash: provenanceChainHead.hash })
    .from(provenanceChainHead)
    .where(eq(provenanceChainHead.id, true));
  return row ?? null;
}
