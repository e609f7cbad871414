/**
 * Finding a deal from what a manager types after `/deal-summary`: an exact id, or words
 * of its name in any case, with or without accents, in part ("acme" finds "Acme — 2027
 * renewal", "societe" finds "Société Générale"). Pure: the caller brings the candidates.
 */
export interface DealName {
  readonly id: string;
  readonly name: string;
}

export type LookupResult =
  | { readonly kind: 'one'; readonly deal: DealName }
  | { readonly kind: 'many'; readonly deals: readonly DealName[]; readonly total: number }
  | { readonly kind: 'none'; readonly closest: readonly DealName[] };

/** How many matches the picker offers, and how many near names a miss suggests. */
export const MAX_PICKS = 10;
export const MAX_CLOSEST = 3;

/**
 * Letters that carry their mark inside them, so NFKD leaves them whole: each is written
 * as the plain letters a keyboard without them types ("lodz" for "Łódź"). Keys are lower case.
 */
const FOLDED: Readonly<Record<string, string>> = {
  ł: 'l',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ħ: 'h',
  ŧ: 't',
  æ: 'ae',
  œ: 'oe',
  þ: 'th',
  ß: 'ss',
};
const FOLDABLE = new RegExp(`[${Object.keys(FOLDED).join('')}]`, 'gu');

/**
 * Case-folded (upper then lower, so "ß" and "SS" meet), accents and other combining
 * marks removed, letters with a built-in mark spelled plainly, every run of
 * non-letters/digits one space.
 */
export function normalizeName(text: string): string {
  return text
    .normalize('NFKD')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(FOLDABLE, (c) => FOLDED[c] ?? c)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * An exact id wins; then a name equal to the query (after normalising); then every deal
 * whose name contains each query word (as a part of a word too). Several partial matches
 * are listed in the CRM's order; none gives the closest names by letter pairs.
 */
export function lookupDeal(deals: readonly DealName[], query: string): LookupResult {
  const q = query.trim();
  const byId = deals.find((d) => d.id === q);
  if (byId) return { kind: 'one', deal: byId };
  const wanted = normalizeName(q);
  if (wanted === '') return { kind: 'none', closest: [] };
  const exact = deals.filter((d) => normalizeName(d.name) === wanted);
  if (exact.length === 1 && exact[0]) return { kind: 'one', deal: exact[0] };
  const words = wanted.split(' ');
  const partial = deals.filter((d) => {
    const name = normalizeName(d.name);
    return words.every((w) => name.includes(w));
  });
  if (partial.length === 1 && partial[0]) return { kind: 'one', deal: partial[0] };
  if (partial.length > 1)
    return { kind: 'many', deals: partial.slice(0, MAX_PICKS), total: partial.length };
  return { kind: 'none', closest: closestNames(deals, wanted) };
}

/** Dice similarity of letter pairs, best-matching word span of the name against the query. */
function closestNames(deals: readonly DealName[], wanted: string): DealName[] {
  const scored = deals
    .map((d, i) => ({ d, i, score: similarity(normalizeName(d.name), wanted) }))
    .filter((s) => s.score >= 0.3)
    .sort((a, b) => b.score - a.score || a.i - b.i);
  return scored.slice(0, MAX_CLOSEST).map((s) => s.d);
}

export function similarity(name: string, query: string): number {
  const words = name.split(' ').filter((w) => w !== '');
  const span = query.split(' ').length;
  let best = dice(name, query);
  // A short query is compared with each run of as many words in the name, so "acmr" is close to "Acme — 2027 renewal".
  for (let i = 0; i + span <= words.length; i++)
    best = Math.max(best, dice(words.slice(i, i + span).join(' '), query));
  return best;
}

function pairs(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const padded = ` ${text} `;
  for (let i = 0; i < padded.length - 1; i++) {
    const p = padded.slice(i, i + 2);
    out.set(p, (out.get(p) ?? 0) + 1);
  }
  return out;
}

function dice(a: string, b: string): number {
  if (a === '' || b === '') return 0;
  const pa = pairs(a);
  const pb = pairs(b);
  let common = 0;
  let total = 0;
  for (const n of pa.values()) total += n;
  for (const [p, n] of pb) {
    total += n;
    common += Math.min(n, pa.get(p) ?? 0);
  }
  return (2 * common) / total;
}
