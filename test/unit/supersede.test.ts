import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProposalStatus } from '../../src/domain/proposal.js';
import { carriedDecision, type ProposalFacts, supersedes } from '../../src/domain/supersede.js';

const at = new Date('2026-11-30T10:00:00Z');
const base: ProposalFacts = {
  id: 'p-live',
  object: 'deal',
  recordId: 'd1',
  field: 'closedate',
  oldValue: '2027-02-15',
  newValue: '2027-03-15',
  editedValue: null,
  status: 'pending',
  dryRun: false,
  decidedBy: null,
  decidedAt: null,
};
const dryDecided = (over: Partial<ProposalFacts> = {}): ProposalFacts => ({
  ...base,
  id: 'p-dry',
  dryRun: true,
  status: 'would_apply',
  decidedBy: 'U01ANA',
  decidedAt: at,
  ...over,
});

describe('supersedes: which pending proposal a newer one replaces', () => {
  it.each([
    ['a live one replaces a dry one for the same field', base, { dryRun: true }, true],
    ['a live one replaces an older live one (a newer value)', base, { newValue: 'x' }, true],
    ['a dry one replaces a dry one', { ...base, dryRun: true }, { dryRun: true }, true],
    ['a dry rehearsal never replaces a card that can write', { ...base, dryRun: true }, {}, false],
    ['another field is another question', base, { field: 'next_step', dryRun: true }, false],
    ['another deal is another question', base, { recordId: 'd2', dryRun: true }, false],
    ['only a pending card is replaced', base, { dryRun: true, status: 'would_apply' }, false],
    ['a proposal does not replace itself', base, { id: 'p-live' }, false],
  ] as const)('%s', (_, newer, older, expected) => {
    expect(supersedes(newer, { ...base, id: 'p-old', ...older } as ProposalFacts)).toBe(expected);
  });

  it('never lets a dry-run proposal replace a live one, whatever else holds', () => {
    const facts = fc.record({
      id: fc.constantFrom('a', 'b'),
      object: fc.constant('deal'),
      recordId: fc.constantFrom('d1', 'd2'),
      field: fc.constantFrom('closedate', 'next_step'),
      oldValue: fc.constantFrom(null, 'x'),
      newValue: fc.constantFrom('y', 'z'),
      editedValue: fc.constant(null),
      status: fc.constantFrom<ProposalStatus>('pending', 'approved', 'superseded', 'expired'),
      dryRun: fc.boolean(),
      decidedBy: fc.constant(null),
      decidedAt: fc.constant(null),
    });
    fc.assert(
      fc.property(facts, facts, (newer, older) => {
        if (newer.dryRun && !older.dryRun) expect(supersedes(newer, older)).toBe(false);
        if (supersedes(newer, older)) expect(older.status).toBe('pending');
      }),
    );
  });
});

describe('carriedDecision: a dry-run answer the live proposal inherits', () => {
  it('carries an approval, with who decided', () => {
    expect(carriedDecision(base, [dryDecided()])).toEqual({
      from: 'p-dry',
      status: 'approved',
      by: 'U01ANA',
      decidedAt: at,
      editedValue: null,
    });
  });

  it('carries an edit with its value', () => {
    expect(carriedDecision(base, [dryDecided({ editedValue: '2027-03-31' })])).toMatchObject({
      status: 'edited',
      editedValue: '2027-03-31',
    });
  });

  it('takes the newest decision when a rep answered several rehearsals', () => {
    const later = new Date(at.getTime() + 60_000);
    const carried = carriedDecision(base, [
      dryDecided({ id: 'old' }),
      dryDecided({ id: 'new', decidedAt: later, editedValue: '2027-04-01' }),
    ]);
    expect(carried).toMatchObject({ from: 'new', status: 'edited' });
  });

  it.each([
    ['the field holds something else now', { oldValue: '2027-01-01' }],
    ['the value differs', { newValue: '2027-05-01' }],
    ['another field', { field: 'next_step' }],
    ['another deal', { recordId: 'd2' }],
    ['nobody decided it (still pending)', { status: 'pending', decidedBy: null, decidedAt: null }],
    ['it was rejected (the rejection memory keeps it from being proposed)', { status: 'rejected' }],
    ['it expired', { status: 'expired' }],
    ['it was a live proposal', { dryRun: false }],
  ] as const)('carries nothing when %s', (_, over) => {
    expect(carriedDecision(base, [dryDecided(over as Partial<ProposalFacts>)])).toBeNull();
  });

  it('a dry-run proposal inherits nothing', () => {
    expect(carriedDecision({ ...base, dryRun: true }, [dryDecided()])).toBeNull();
  });
});
