import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DealName,
  lookupDeal,
  MAX_PICKS,
  normalizeName,
} from '../../src/summary/deal-lookup.js';
import { parseSummaryRequest } from '../../src/summary/summary-request.js';

const DEALS: DealName[] = [
  { id: 'd1', name: 'Acme — 2027 renewal' },
  { id: 'd2', name: 'Globex — platform expansion' },
  { id: 'd6', name: 'ACME Corp — expansion' },
  { id: 'd7', name: 'Société Générale — pilot' },
  { id: '1042', name: 'Initech' },
  { id: 'd8', name: 'Initech' },
  { id: 'd9', name: 'Hauptstraße 5 GmbH' },
];

describe('lookupDeal', () => {
  it.each([
    ['exact id', 'd2', { kind: 'one', deal: DEALS[1] }],
    ['exact id with spaces around', '  1042 ', { kind: 'one', deal: DEALS[4] }],
    ['full name, other case', 'acme — 2027 RENEWAL', { kind: 'one', deal: DEALS[0] }],
    ['full name without its dash', 'acme 2027 renewal', { kind: 'one', deal: DEALS[0] }],
    ['a part of a word', 'lobe', { kind: 'one', deal: DEALS[1] }],
    ['words in any order', 'expansion corp', { kind: 'one', deal: DEALS[2] }],
    ['no accents typed', 'societe', { kind: 'one', deal: DEALS[3] }],
    ['accents typed on a plain name', 'Glóbex', { kind: 'one', deal: DEALS[1] }],
    ['ß typed as ss', 'STRASSE', { kind: 'one', deal: DEALS[6] }],
  ])('%s → one deal', (_what, query, expected) => {
    expect(lookupDeal(DEALS, query)).toEqual(expected);
  });

  it.each([
    ['Łódź Logistics', 'lodz'],
    ['Łódź Logistics', 'ŁÓDŹ'],
    ['Øresund Shipping', 'oresund'],
    ['Đorđević d.o.o.', 'dordevic'],
    ['Ðorðe Trading', 'dorde'],
    ['Ærø Ferries', 'aero'],
    ['Œuvre Studio', 'oeuvre'],
    ['Þórshöfn Fisheries', 'thorshofn'],
    ['GROẞE FREIHEIT AG', 'grosse'],
    ['Große Freiheit AG', 'GROSSE'],
    ['Ħamrun Holdings', 'hamrun'],
  ])('letters NFKD keeps whole are folded: %s is found by “%s”', (name, query) => {
    const deals = [...DEALS, { id: 'x1', name }];
    expect(lookupDeal(deals, query)).toEqual({ kind: 'one', deal: { id: 'x1', name } });
  });

  it('normalizeName spells every such letter, either case, plainly', () => {
    expect(normalizeName('Łł Øø Đđ Ðð Ħħ Ŧŧ Ææ Œœ Þþ ẞß')).toBe(
      'll oo dd dd hh tt aeae oeoe thth ssss',
    );
  });

  it('several partial matches are listed in the CRM order', () => {
    expect(lookupDeal(DEALS, 'acme')).toEqual({
      kind: 'many',
      deals: [DEALS[0], DEALS[2]],
      total: 2,
    });
    expect(lookupDeal(DEALS, 'expansion')).toMatchObject({ kind: 'many', total: 2 });
  });

  it('two deals with the same name are both offered (the id tells them apart)', () => {
    expect(lookupDeal(DEALS, 'initech')).toEqual({
      kind: 'many',
      deals: [DEALS[4], DEALS[5]],
      total: 2,
    });
  });

  it('the picker holds at most MAX_PICKS, and says how many matched', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ id: `x${i}`, name: `Deal ${i}` }));
    const r = lookupDeal(many, 'deal');
    expect(r).toMatchObject({ kind: 'many', total: 25 });
    expect(r.kind === 'many' && r.deals.length).toBe(MAX_PICKS);
  });

  it.each([
    ['a typo', 'acmee', ['d1', 'd6']],
    ['a typo in two words', 'globx expanson', ['d2']],
    ['nothing alike', 'zzzz', []],
    ['only punctuation', '—!', []],
  ])('none for %s, with the closest names', (_what, query, closest) => {
    const r = lookupDeal(DEALS, query);
    expect(r.kind).toBe('none');
    expect(r.kind === 'none' && r.closest.map((d) => d.id).slice(0, closest.length)).toEqual(
      closest,
    );
    if (closest.length === 0) expect(r.kind === 'none' && r.closest).toEqual([]);
  });

  it('property: any deal is found by its id, and by its name in any case with accents stripped', () => {
    const name = fc.stringMatching(/^[A-Za-zÀ-ÿ0-9 —&.-]{1,30}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id: fc.stringMatching(/^[a-z0-9]{1,8}$/), name }), {
          selector: (d) => d.id,
          minLength: 1,
          maxLength: 12,
        }),
        fc.nat(),
        (deals, pick) => {
          const deal = deals[pick % deals.length] as DealName;
          expect(lookupDeal(deals, deal.id)).toEqual({ kind: 'one', deal });
          if (normalizeName(deal.name) === '') return;
          const typed = deal.name.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase();
          const r = lookupDeal(deals, typed);
          const found = (r.kind === 'one' && [r.deal]) || (r.kind === 'many' && r.deals) || [];
          // The deal is found; ids that equal the typed name may win, as an exact id should.
          const idHit = deals.some((d) => d.id === typed.trim());
          if (!idHit) expect(found.map((d) => d.id)).toContain(deal.id);
        },
      ),
    );
  });
});

describe('parseSummaryRequest', () => {
  it.each([
    ['', { kind: 'usage' }],
    ['   ', { kind: 'usage' }],
    ['help', { kind: 'usage' }],
    [' ? ', { kind: 'usage' }],
    ['helpdesk', { kind: 'summary', query: 'helpdesk' }],
    ['acme', { kind: 'summary', query: 'acme' }],
    ['  Acme   renewal ', { kind: 'summary', query: 'Acme renewal' }],
    ['acme why economic_buyer', { kind: 'why', query: 'acme', field: 'economic_buyer' }],
    ['acme WHY Economic buyer', { kind: 'why', query: 'acme', field: 'Economic buyer' }],
    ['Why Not Ltd why champion', { kind: 'why', query: 'Why Not Ltd', field: 'champion' }],
    ['Why Not Ltd', { kind: 'summary', query: 'Why Not Ltd' }],
    ['acme why', { kind: 'summary', query: 'acme why' }],
  ])('%j', (text, expected) => {
    expect(parseSummaryRequest(text)).toEqual(expected);
  });
});
