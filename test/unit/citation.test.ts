import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CitableNote,
  checkCitation,
  normalizeForCitation,
} from '../../src/domain/citation.js';

const notes = (...list: CitableNote[]) => new Map(list.map((n) => [n.id, n]));
const RUNS = 10_000;

// Text that looks like notes: letters, digits, punctuation, accents (composed and
// decomposed), and assorted Unicode whitespace.
const noteChar = fc.constantFrom(
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:;-"\'()$%'.split(''),
  'é',
  'e\u0301',
  'ü',
  'ß',
  'ﬁ',
  'Å',
  ' ',
  ' ',
  ' ',
  '\n',
  '\t',
  '\u00a0',
  '\u2003',
);
const noteBody = fc.array(noteChar, { minLength: 1, maxLength: 120 }).map((cs) => cs.join(''));
const whitespace = fc.constantFrom(' ', '  ', '\n', '\t', '\u00a0', ' \n ', '\u2009');

/** The specification, written independently of the implementation. */
function oracle(note: string, quote: string): boolean {
  const collapse = (s: string) =>
    s
      .normalize('NFC')
      .split(/\p{White_Space}+/u)
      .join(' ');
  const needle = collapse(quote).trim();
  return needle !== '' && collapse(note).includes(needle);
}

describe('citation gate (G4)', () => {
  it('accepts every non-blank substring of the cited note, re-spaced and re-normalised', () => {
    fc.assert(
      fc.property(
        noteBody,
        fc.nat(),
        fc.nat(),
        fc.array(whitespace),
        fc.boolean(),
        (body, a, b, spaces, nfd) => {
          const start = a % body.length;
          const end = start + 1 + (b % (body.length - start));
          let quote = body.slice(start, end);
          fc.pre(normalizeForCitation(quote).trim() !== '');
          // Do not cut a combining sequence in half: that is not a word-for-word quote.
          fc.pre(!/^\p{M}/u.test(quote) && !/^\p{M}/u.test(body.slice(end)));
          let i = 0;
          quote = quote.replace(
            /\p{White_Space}+/gu,
            () => spaces[i++ % Math.max(spaces.length, 1)] ?? ' ',
          );
          if (nfd) quote = quote.normalize('NFD');
          const result = checkCitation(notes({ id: 'n1', body }), 'n1', quote);
          expect(result.ok).toBe(oracle(body, quote));
          expect(result.ok).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('agrees with the specification on arbitrary quotes', () => {
    fc.assert(
      fc.property(noteBody, noteBody, (body, quote) => {
        expect(checkCitation(notes({ id: 'n1', body }), 'n1', quote).ok).toBe(oracle(body, quote));
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['case', (q: string) => q.toUpperCase()],
    ['zero-width space', (q: string) => `${q.slice(0, 3)}\u200b${q.slice(3)}`],
    ['zero-width joiner', (q: string) => `${q.slice(0, 4)}\u200d${q.slice(4)}`],
    ['soft hyphen', (q: string) => `${q.slice(0, 5)}\u00ad${q.slice(5)}`],
    ['Cyrillic homoglyph', (q: string) => q.replace('a', '\u0430')],
    ['Greek homoglyph', (q: string) => q.replace('o', '\u03bf')],
    ['NFKC-only equivalent (ligature)', (q: string) => q.replace('fi', '\ufb01')],
    ['fullwidth letters', (q: string) => q.replace('D', '\uff24')],
    ['curly quote for straight', (q: string) => q.replace("'", '\u2019')],
    ['missing word', (q: string) => q.replace('the ', '')],
  ])('rejects a near miss: %s', (_name, mutate) => {
    const body =
      "Budget sign-off sits with Dana Whitfield, the CFO; she's final on anything over 25k.";
    const quote = "sign-off sits with Dana Whitfield, the CFO; she's final";
    expect(checkCitation(notes({ id: 'n1', body }), 'n1', quote).ok).toBe(true);
    const mutated = mutate(quote);
    expect(mutated).not.toBe(quote);
    expect(checkCitation(notes({ id: 'n1', body }), 'n1', mutated).ok).toBe(false);
  });

  it('rejects quotes from another deal, from another note, and spanning two notes', () => {
    fc.assert(
      fc.property(noteBody, noteBody, fc.nat(), fc.nat(), (a, b, cutA, cutB) => {
        const tail = a.slice(cutA % a.length);
        const head = b.slice(0, 1 + (cutB % b.length));
        const spanning = `${tail} ${head}`;
        fc.pre(!oracle(a, spanning) && !oracle(b, spanning));
        const dealNotes = notes({ id: 'n1', body: a }, { id: 'n2', body: b });
        expect(checkCitation(dealNotes, 'n1', spanning).ok).toBe(false);
        expect(checkCitation(dealNotes, 'n2', spanning).ok).toBe(false);
        // The quote occurs in a note, but the finding cites a note this deal was not given.
        expect(checkCitation(notes({ id: 'n1', body: a }), 'n9', a).ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects a quote that sits in the other note of the same deal', () => {
    const dealNotes = notes(
      { id: 'n1', body: 'Dana is the CFO.' },
      { id: 'n2', body: 'Tom runs IT.' },
    );
    expect(checkCitation(dealNotes, 'n2', 'Dana is the CFO').ok).toBe(false);
    expect(checkCitation(dealNotes, 'n1', 'Dana is the CFO').ok).toBe(true);
  });

  it('rejects empty and whitespace-only quotes, which are substrings of everything', () => {
    for (const quote of ['', ' ', '\n\t', '\u00a0\u2003']) {
      expect(checkCitation(notes({ id: 'n1', body: 'anything' }), 'n1', quote)).toEqual({
        ok: false,
        reason: 'the quote is empty',
      });
    }
  });

  it('names the note in its reasons', () => {
    const r = checkCitation(notes({ id: 'n1', body: 'abc' }), 'n1', 'xyz');
    expect(r).toEqual({ ok: false, reason: 'the quote does not occur word for word in note n1' });
    const missing = checkCitation(notes({ id: 'n1', body: 'abc' }), 'n7', 'abc');
    expect(missing.ok ? '' : missing.reason).toContain('"n7"');
  });
});
