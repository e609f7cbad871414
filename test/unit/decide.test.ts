import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, keepStrongest, type Outcome } from '../../src/domain/decide.js';
import type { Finding } from '../../src/domain/finding.js';
import { context, NOTES, POLICY } from '../support/decision-fixtures.js';

const f = (over: Partial<Finding>): Finding => ({
  field: 'economic_buyer',
  value: 'Dana Whitfield',
  note_id: 'n1',
  quote: 'Dana Whitfield, the CFO, signs off',
  confidence: 0.8,
  ...over,
});

type Row = [
  name: string,
  finding: Partial<Finding>,
  props: Record<string, string | number | null>,
  expected: Partial<Outcome>,
];

describe('decision table (G1–G8)', () => {
  const rows: Row[] = [
    [
      'suggest writes scout_*',
      {},
      {},
      { kind: 'write', property: 'scout_economic_buyer', lane: 'suggest' },
    ],
    [
      'suggest equal to current suggestion does nothing',
      {},
      { scout_economic_buyer: 'Dana Whitfield' },
      { kind: 'skip', property: 'scout_economic_buyer' },
    ],
    [
      'suggest updates a different suggestion',
      {},
      { scout_economic_buyer: 'Tom' },
      { kind: 'write', property: 'scout_economic_buyer', previous: 'Tom' },
    ],
    [
      'rep value wins over suggest',
      {},
      { economic_buyer: 'Priya' },
      { kind: 'skip', property: 'economic_buyer' },
    ],
    ['rep value equal is a skip', {}, { economic_buyer: 'Dana Whitfield' }, { kind: 'skip' }],
    [
      'whitespace rep value counts as empty',
      {},
      { economic_buyer: '   ' },
      { kind: 'write', property: 'scout_economic_buyer' },
    ],
    ['unknown field dropped', { field: 'budget' }, {}, { kind: 'drop', property: 'budget' }],
    [
      'never field denied',
      { field: 'dealstage', value: 'closed_won' },
      {},
      { kind: 'deny', property: 'dealstage' },
    ],
    ['amount denied', { field: 'amount', value: 0 }, {}, { kind: 'deny' }],
    ['fabricated quote dropped', { quote: 'Dana is the CEO' }, {}, { kind: 'drop' }],
    ['unknown note dropped', { note_id: 'n9' }, {}, { kind: 'drop' }],
    ['low confidence skipped', { confidence: 0.49 }, {}, { kind: 'skip' }],
    ['empty value dropped', { value: '  ' }, {}, { kind: 'drop' }],
    ['null value dropped', { value: null }, {}, { kind: 'drop' }],
    [
      'auto at threshold writes the field',
      {
        field: 'next_step',
        value: 'Send the MSA',
        note_id: 'n2',
        quote: 'Next: send the MSA.',
        confidence: 0.9,
      },
      {},
      { kind: 'write', property: 'next_step', lane: 'auto' },
    ],
    [
      'auto below threshold proposes',
      {
        field: 'next_step',
        value: 'Send the MSA',
        note_id: 'n2',
        quote: 'Next: send the MSA.',
        confidence: 0.89,
      },
      {},
      { kind: 'propose', property: 'next_step' },
    ],
    [
      'auto never overwrites a filled field',
      {
        field: 'next_step',
        value: 'Send the MSA',
        note_id: 'n2',
        quote: 'Next: send the MSA.',
        confidence: 0.99,
      },
      { next_step: 'Call back' },
      { kind: 'skip' },
    ],
    [
      'auto number',
      { field: 'seats', value: 40, quote: 'We need 40 seats.', confidence: 0.95 },
      {},
      { kind: 'write', property: 'seats', value: 40 },
    ],
    [
      'zero is a filled number',
      { field: 'seats', value: 40, quote: 'We need 40 seats.', confidence: 0.95 },
      { seats: 0 },
      { kind: 'skip' },
    ],
    [
      'approve proposes',
      {
        field: 'closedate',
        value: '2027-01-31',
        note_id: 'n2',
        quote: 'Signed by January 31.',
        confidence: 0.8,
      },
      {},
      { kind: 'propose', property: 'closedate' },
    ],
    [
      'approve below its own propose threshold',
      {
        field: 'closedate',
        value: '2027-01-31',
        note_id: 'n2',
        quote: 'Signed by January 31.',
        confidence: 0.69,
      },
      {},
      { kind: 'skip' },
    ],
    [
      'evidence from a call is dropped',
      {
        field: 'closedate',
        value: '2027-01-31',
        note_id: 'n1',
        quote: 'We need 40 seats.',
        confidence: 0.95,
      },
      {},
      { kind: 'drop' },
    ],
    [
      'on_filled propose shows both values',
      {
        field: 'closedate',
        value: '2027-01-31',
        note_id: 'n2',
        quote: 'Signed by January 31.',
        confidence: 0.95,
      },
      { closedate: '2026-12-15' },
      { kind: 'propose', previous: '2026-12-15' },
    ],
    [
      'impossible date dropped',
      {
        field: 'closedate',
        value: '2027-02-30',
        note_id: 'n2',
        quote: 'Signed by January 31.',
        confidence: 0.95,
      },
      {},
      { kind: 'drop' },
    ],
    [
      'implausible date dropped',
      {
        field: 'closedate',
        value: '2207-01-31',
        note_id: 'n2',
        quote: 'Signed by January 31.',
        confidence: 0.95,
      },
      {},
      { kind: 'drop' },
    ],
    [
      'wrong enum option dropped',
      {
        field: 'forecast',
        value: 'Commit',
        note_id: 'n2',
        quote: 'Forecast looks like commit.',
        confidence: 0.95,
      },
      {},
      { kind: 'drop' },
    ],
    [
      'right enum option proposed',
      {
        field: 'forecast',
        value: 'commit',
        note_id: 'n2',
        quote: 'Forecast looks like commit.',
        confidence: 0.95,
      },
      {},
      { kind: 'propose' },
    ],
    [
      'unknown user dropped',
      { field: 'champion', value: 'u9', quote: 'Champion is Ana.', confidence: 0.9 },
      {},
      { kind: 'drop' },
    ],
    [
      'known user suggested',
      { field: 'champion', value: 'u1', quote: 'Champion is Ana.', confidence: 0.9 },
      {},
      { kind: 'write', property: 'scout_champion' },
    ],
    [
      'too long text dropped',
      {
        field: 'next_step',
        value: 'x'.repeat(301),
        note_id: 'n2',
        quote: 'Next: send the MSA.',
        confidence: 0.95,
      },
      {},
      { kind: 'drop' },
    ],
  ];

  it.each(rows)('%s', (_name, finding, props, expected) => {
    expect(decide(f(finding), context({ props }))).toMatchObject(expected);
  });

  it('skips a change already applied from the same note (G11)', () => {
    const ctx = context({
      alreadyApplied: (p, n, v) =>
        p === 'scout_economic_buyer' && n === 'n1' && v === 'Dana Whitfield',
    });
    expect(decide(f({}), ctx)).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('already applied'),
    });
  });

  it('skips a value that already has a pending proposal', () => {
    const ctx = context({
      alreadyProposed: (field, v) => field === 'closedate' && v === '2027-01-31',
    });
    const finding = f({
      field: 'closedate',
      value: '2027-01-31',
      note_id: 'n2',
      quote: 'Signed by January 31.',
      confidence: 0.8,
    });
    expect(decide(finding, ctx)).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('already proposed'),
    });
  });

  it('gives every drop and skip a reason', () => {
    for (const [, finding, props] of rows) {
      const o = decide(f(finding), context({ props }));
      if (o.kind === 'drop' || o.kind === 'skip' || o.kind === 'deny' || o.kind === 'propose')
        expect(o.reason.length).toBeGreaterThan(5);
    }
  });
});

describe('decision table properties', () => {
  const fieldName = fc.constantFrom(
    'economic_buyer',
    'next_step',
    'closedate',
    'forecast',
    'seats',
    'champion',
    'dealstage',
    'amount',
    'budget',
    'owner',
    'scout_economic_buyer',
  );
  const value = fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      '\n',
      'commit',
      'Commit',
      '2027-01-31',
      '2027-02-30',
      'u1',
      'u9',
      'Dana Whitfield',
      'Send the MSA',
      40,
      0,
    ),
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.constant(null),
    fc.boolean(),
  );
  const repValue = fc.oneof(
    fc.constant(null),
    fc.constant(null),
    fc.constant(''),
    fc.constant('  '),
    fc.string(),
    fc.integer(),
    fc.constantFrom('commit', '2026-12-01', 'u2'),
  );
  // Mostly real substrings of the cited note, so the property reaches the write lane.
  const finding = fc
    .record({
      field: fieldName,
      value,
      noteIndex: fc.nat({ max: 2 }),
      cut: fc.tuple(fc.nat(), fc.nat()),
      fabricated: fc.oneof(
        { arbitrary: fc.constant(null), weight: 4 },
        { arbitrary: fc.string(), weight: 1 },
      ),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ noteIndex, cut, fabricated, ...rest }) => {
      const body = NOTES[noteIndex]?.body ?? 'not a note of this deal';
      const start = cut[0] % body.length;
      const quote = fabricated ?? body.slice(start, start + 1 + (cut[1] % (body.length - start)));
      return { ...rest, note_id: `n${noteIndex + 1}`, quote };
    });

  // Findings built to pass every gate but the one under test, so the write lane is
  // reached thousands of times per run rather than by luck.
  const nearWrite = fc
    .record({
      field: fc.constantFrom('economic_buyer', 'next_step', 'seats', 'scout_economic_buyer'),
      value: fc.constantFrom('Dana Whitfield', 'Send the MSA', 40),
      // fc.double spreads over the bit patterns, so most draws sit near zero; percent steps
      // cover both sides of every threshold evenly.
      confidence: fc.integer({ min: 0, max: 100 }).map((n) => n / 100),
    })
    .map((rest) => ({ ...rest, note_id: 'n1', quote: 'Dana Whitfield, the CFO, signs off' }));

  it('never writes a field outside the policy, a never field, a filled rep field, or an empty value', () => {
    let writes = 0;
    fc.assert(
      fc.property(fc.oneof(finding, nearWrite), repValue, (raw, rep) => {
        const props = { [raw.field]: rep };
        const outcome = decide(raw as Finding, context({ props }));
        const policy = POLICY.dealFields.get(raw.field);
        if (!policy || policy.write === 'never') expect(['drop', 'deny']).toContain(outcome.kind);
        if (outcome.kind !== 'write') return;
        writes += 1;
        const filled = rep !== null && !(typeof rep === 'string' && rep.trim() === '');
        expect(filled).toBe(false);
        expect(
          outcome.value === '' ||
            (typeof outcome.value === 'string' && outcome.value.trim() === ''),
        ).toBe(false);
        // Without a person, the agent writes only its namespace or an auto field.
        if (outcome.property.startsWith('scout_')) expect(policy?.write).toBe('suggest');
        else expect(policy?.write).toBe('auto');
        expect(raw.confidence).toBeGreaterThanOrEqual(
          policy?.write === 'auto' ? policy.thresholds.auto : 0.5,
        );
      }),
      { numRuns: 20_000 },
    );
    // The generators must reach the write lane, or the property above proves nothing.
    expect(writes).toBeGreaterThan(500);
  });

  it('never acts on a finding whose quote is not in the cited note', () => {
    fc.assert(
      fc.property(finding, (raw) => {
        const note = NOTES.find((n) => n.id === raw.note_id);
        const outcome = decide(raw as Finding, context());
        if (!note?.body.includes(raw.quote.trim()) || raw.quote.trim() === '') {
          expect(['drop', 'deny']).toContain(outcome.kind);
        }
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('keepStrongest', () => {
  it('lets only the most confident finding per property act; ties go to the later note', () => {
    const w = (property: string, confidence: number, noteCreatedAt: number) => ({
      outcome: {
        kind: 'write',
        property,
        value: `${confidence}`,
        previous: null,
        lane: 'suggest',
      } as Outcome,
      confidence,
      noteCreatedAt,
    });
    const out = keepStrongest([w('a', 0.6, 1), w('a', 0.9, 1), w('b', 0.7, 1), w('b', 0.7, 2)]);
    expect(out.map((d) => d.outcome.kind)).toEqual(['skip', 'write', 'skip', 'write']);
    expect(out[0]?.outcome).toMatchObject({ reason: expect.stringContaining('superseded') });
  });
});

it('the fixture policy is what the tests think it is', () => {
  expect(POLICY.dealFields.get('next_step')?.thresholds).toEqual({ auto: 0.9, propose: 0.5 });
});
