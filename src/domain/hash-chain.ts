import { createHash } from 'node:crypto';

/**
 * The provenance hash chain (drizzle/0006), checked independently of the database's
 * own functions: each row's hash covers a canonical encoding of its content and the
 * previous row's hash, and the quote enters only through its own hash, so a retention
 * purge that clears quotes leaves every link intact.
 */

/** The `prev_hash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
export const CANONICAL_VERSION = 'scout-provenance-v1';

/**
 * The row's fields in canonical order, each as the text of the builtin cast the trigger
 * uses (`scout_provenance_canonical`): chain_seq, prev_hash, id, run_id, object,
 * record_id, field, action, reason, previous_value, new_value, rep_value,
 * source_note_id, quote_sha256, model, confidence (float8send, hex), actor, dry_run,
 * proposal_id, undoes, created_at (microseconds since the epoch).
 */
export const CANONICAL_FIELDS = [
  'chain_seq',
  'prev_hash',
  'id',
  'run_id',
  'object',
  'record_id',
  'field',
  'action',
  'reason',
  'previous_value',
  'new_value',
  'rep_value',
  'source_note_id',
  'quote_sha256',
  'model',
  'confidence',
  'actor',
  'dry_run',
  'proposal_id',
  'undoes',
  'created_at',
] as const;

export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `|~` for null, `|<utf-8 bytes>:<text>` otherwise: unambiguous whatever the text holds. */
export function canonicalEncoding(fields: Readonly<Record<CanonicalField, string | null>>): string {
  let out = CANONICAL_VERSION;
  for (const name of CANONICAL_FIELDS) {
    const value = fields[name];
    out += value === null ? '|~' : `|${Buffer.byteLength(value, 'utf8')}:${value}`;
  }
  return out;
}

export function rowHash(fields: Readonly<Record<CanonicalField, string | null>>): string {
  return sha256Hex(canonicalEncoding(fields));
}

/** One stored row as the verifier reads it. */
export interface ChainRow {
  readonly id: number;
  readonly chainSeq: number;
  readonly prevHash: string;
  readonly rowHash: string;
  /** Null after a retention purge; its hash stays in `quote_sha256`. */
  readonly quote: string | null;
  readonly quoteSha256: string | null;
  readonly fields: Readonly<Record<CanonicalField, string | null>>;
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export interface ChainBreak {
  readonly id: number | null;
  readonly chain_seq: number;
  readonly problem: string;
}

export type ChainReport =
  | { readonly ok: true; readonly rows: number; readonly head: ChainHead }
  | {
      readonly ok: false;
      readonly rows: number;
      readonly head: ChainHead;
      readonly broken: ChainBreak;
    };

/** What is wrong with one row, given the link before it; null when the row holds. */
export function checkLink(row: ChainRow, expected: ChainHead): string | null {
  if (row.chainSeq !== expected.seq + 1)
    return `chain_seq is ${row.chainSeq}, expected ${expected.seq + 1}: rows are missing from the chain`;
  if (row.prevHash !== expected.hash)
    return "prev_hash does not match the previous row's hash: the previous row was rewritten or removed";
  if (row.quote !== null && row.quoteSha256 !== sha256Hex(row.quote))
    return 'quote does not match its stored hash (quote_sha256): the quote was edited';
  if (row.fields.chain_seq !== String(row.chainSeq) || row.fields.prev_hash !== row.prevHash)
    return 'the row read back inconsistently';
  if (rowHash(row.fields) !== row.rowHash)
    return "row_hash does not match the row's content: the row was edited after it was logged";
  return null;
}

/**
 * Walks the chain in order and stops at the first broken row. `stored` is the chain
 * head table: it must name the last row, or rows were removed from the end. `expect`
 * is a head kept outside the database (from a run summary): the chain must still
 * pass through it, which a rewrite of the whole chain cannot fake.
 */
export async function verifyChain(
  rows: AsyncIterable<ChainRow>,
  stored: ChainHead | null,
  expect?: ChainHead,
): Promise<ChainReport> {
  let head: ChainHead = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  for await (const row of rows) {
    let problem = checkLink(row, head);
    if (problem === null && expect && row.chainSeq === expect.seq && row.rowHash !== expect.hash)
      problem = `row_hash is not the kept chain head ${expect.hash.slice(0, 16)}…: the chain was rewritten up to here`;
    if (problem !== null)
      return {
        ok: false,
        rows: count,
        head,
        broken: { id: row.id, chain_seq: row.chainSeq, problem },
      };
    head = { seq: row.chainSeq, hash: row.rowHash };
    count += 1;
  }
  if (expect && head.seq < expect.seq)
    return {
      ok: false,
      rows: count,
      head,
      broken: {
        id: null,
        chain_seq: head.seq + 1,
        problem: `the chain ends at #${head.seq}, before the kept chain head #${expect.seq}: rows were removed`,
      },
    };
  if (stored === null)
    return {
      ok: false,
      rows: count,
      head,
      broken: { id: null, chain_seq: head.seq + 1, problem: 'the chain head row is missing' },
    };
  if (stored.seq !== head.seq || stored.hash !== head.hash)
    return {
      ok: false,
      rows: count,
      head,
      broken: {
        id: null,
        chain_seq: head.seq + 1,
        problem: `the chain head says #${stored.seq} ${stored.hash.slice(0, 16)}…, but the last row is #${head.seq} ${head.hash.slice(0, 16)}…: rows were removed from the end`,
      },
    };
  return { ok: true, rows: count, head };
}

/** How a summary prints the head: enough to keep outside the database and compare later. */
export function formatChainHead(head: ChainHead | null): string {
  return head === null
    ? 'audit chain head: none yet'
    : `audit chain head: #${head.seq} ${head.hash}`;
}
