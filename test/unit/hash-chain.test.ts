import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CANONICAL_FIELDS,
  type CanonicalField,
  type ChainHead,
  type ChainRow,
  canonicalEncoding,
  formatChainHead,
  GENESIS_HASH,
  rowHash,
  sha256Hex,
  verifyChain,
} from '../../src/domain/hash-chain.js';

type Fields = Record<CanonicalField, string | null>;

const fieldsArb = fc.record(
  Object.fromEntries(
    CANONICAL_FIELDS.map((f) => [f, fc.option(fc.string({ maxLength: 6 }), { nil: null })]),
  ) as Record<CanonicalField, fc.Arbitrary<string | null>>,
);

/** A well-formed chain of `n` rows, built the way the trigger builds it. */
function chain(n: number): ChainRow[] {
  const rows: ChainRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const quote = seq % 2 === 0 ? `quote ${seq} — “curly” ünïcödé` : null;
    const fields: Fields = {
      ...(Object.fromEntries(CANONICAL_FIELDS.map((f) => [f, null])) as Fields),
      chain_seq: String(seq),
      prev_hash: prev,
      id: String(seq + 100),
      run_id: 'r1',
      action: 'written',
      quote_sha256: quote === null ? null : sha256Hex(quote),
    };
    const hash = rowHash(fields);
    rows.push({
      id: seq + 100,
      chainSeq: seq,
      prevHash: prev,
      rowHash: hash,
      quote,
      quoteSha256: fields.quote_sha256,
      fields,
    });
    prev = hash;
  }
  return rows;
}

async function* each(rows: readonly ChainRow[]) {
  yield* rows;
}

const headOf = (rows: readonly ChainRow[]): ChainHead => {
  const last = rows.at(-1);
  return last ? { seq: last.chainSeq, hash: last.rowHash } : { seq: 0, hash: GENESIS_HASH };
};

describe('hash chain encoding', () => {
  it('is injective: two different rows never encode alike', () => {
    fc.assert(
      fc.property(fieldsArb, fieldsArb, (a, b) => {
        const same = CANONICAL_FIELDS.every((f) => a[f] === b[f]);
        expect(canonicalEncoding(a) === canonicalEncoding(b)).toBe(same);
      }),
    );
  });

  it('tells null from empty and counts UTF-8 bytes like octet_length', () => {
    const base = Object.fromEntries(CANONICAL_FIELDS.map((f) => [f, null])) as Fields;
    expect(canonicalEncoding({ ...base, reason: '' })).not.toBe(canonicalEncoding(base));
    expect(canonicalEncoding({ ...base, reason: 'é' })).toContain('|2:é');
    expect(canonicalEncoding(base)).toBe(`scout-provenance-v1${'|~'.repeat(21)}`);
  });

  it('prints the head for keeping outside the database', () => {
    expect(formatChainHead({ seq: 7, hash: 'ab'.repeat(32) })).toBe(
      `audit chain head: #7 ${'ab'.repeat(32)}`,
    );
    expect(formatChainHead(null)).toBe('audit chain head: none yet');
  });
});

describe('verifyChain', () => {
  it('passes an intact chain, empty or not', async () => {
    expect(await verifyChain(each([]), headOf([]))).toEqual({
      ok: true,
      rows: 0,
      head: { seq: 0, hash: GENESIS_HASH },
    });
    const rows = chain(6);
    expect(await verifyChain(each(rows), headOf(rows))).toEqual({
      ok: true,
      rows: 6,
      head: headOf(rows),
    });
  });

  const tamper: Array<[string, (rows: ChainRow[]) => ChainRow[], number | null, string]> = [
    [
      'content edited',
      (rows) => rows.map((r, i) => (i === 2 ? { ...r, fields: { ...r.fields, reason: 'x' } } : r)),
      103,
      "row_hash does not match the row's content",
    ],
    [
      'quote edited',
      (rows) => rows.map((r, i) => (i === 3 ? { ...r, quote: 'another quote' } : r)),
      104,
      'quote does not match its stored hash',
    ],
    ['row deleted', (rows) => rows.filter((_, i) => i !== 1), 103, 'chain_seq is 3, expected 2'],
    [
      'row rehashed after an edit',
      (rows) =>
        rows.map((r, i) => {
          if (i !== 2) return r;
          const fields = { ...r.fields, reason: 'x' };
          return { ...r, fields, rowHash: rowHash(fields) };
        }),
      104,
      "prev_hash does not match the previous row's hash",
    ],
    ['quote purged (hash kept)', (rows) => rows.map((r) => ({ ...r, quote: null })), null, ''],
  ];

  it.each(tamper)('%s', async (_name, change, brokenId, problem) => {
    const rows = chain(6);
    const report = await verifyChain(each(change(rows)), headOf(rows));
    if (brokenId === null) expect(report.ok).toBe(true);
    else {
      expect(report.ok).toBe(false);
      if (!report.ok) {
        expect(report.broken.id).toBe(brokenId);
        expect(report.broken.problem).toContain(problem);
      }
    }
  });

  it('stops at the first of two broken rows, counting the rows before it', async () => {
    const rows = chain(8);
    const forged = rows.map((r, i) =>
      i === 2 || i === 6 ? { ...r, fields: { ...r.fields, reason: `forged ${i}` } } : r,
    );
    const report = await verifyChain(each(forged), headOf(rows));
    expect(report).toMatchObject({
      ok: false,
      rows: 2,
      head: { seq: 2, hash: rows[1]?.rowHash },
      broken: { id: 103, chain_seq: 3 },
    });
  });

  it('rows removed from the end show against the head table, and against a kept head', async () => {
    const rows = chain(6);
    const cut = rows.slice(0, 4);
    const report = await verifyChain(each(cut), headOf(rows));
    expect(report.ok).toBe(false);
    if (!report.ok) expect(report.broken.problem).toContain('rows were removed from the end');
    const kept = await verifyChain(each(cut), headOf(cut), headOf(rows));
    expect(kept.ok).toBe(false);
    if (!kept.ok) expect(kept.broken.problem).toContain('before the kept chain head #6');
    const missing = await verifyChain(each(rows), null);
    expect(missing.ok).toBe(false);
  });

  it('a kept head that the chain no longer passes through is a rewrite', async () => {
    const rows = chain(4);
    const report = await verifyChain(each(rows), headOf(rows), { seq: 2, hash: 'f'.repeat(64) });
    expect(report.ok).toBe(false);
    if (!report.ok) {
      expect(report.broken.chain_seq).toBe(2);
      expect(report.broken.problem).toContain('not the kept chain head');
    }
  });
});
