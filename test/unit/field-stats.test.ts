import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketFloor,
  bucketIndex,
  bucketLabel,
  buildStats,
  type StatsAggregateRow,
} from '../../src/domain/field-stats.js';
import { findOverturns, type LatestScoutChange } from '../../src/domain/overturns.js';
import { median, wilsonInterval } from '../../src/domain/wilson.js';

describe('wilsonInterval', () => {
  // Published 95 % Wilson score intervals (z = 1.96), to four places.
  it.each([
    [0, 0, 0, 1],
    [5, 10, 0.2366, 0.7634],
    [0, 10, 0, 0.2775],
    [10, 10, 0.7225, 1],
    [81, 100, 0.7222, 0.8749],
    [1, 1, 0.2065, 1],
    [19, 20, 0.7639, 0.9911],
  ])('%i of %i → [%f, %f]', (k, n, low, high) => {
    const i = wilsonInterval(k, n);
    expect(i.low).toBeCloseTo(low, 4);
    expect(i.high).toBeCloseTo(high, 4);
  });

  it('always holds the observed rate, inside [0, 1], and narrows with more trials', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, share) => {
          const k = Math.round(share * n);
          const i = wilsonInterval(k, n);
          expect(i.low).toBeGreaterThanOrEqual(0);
          expect(i.high).toBeLessThanOrEqual(1);
          expect(i.low).toBeLessThanOrEqual(k / n + 1e-12);
          expect(i.high).toBeGreaterThanOrEqual(k / n - 1e-12);
          const wider = wilsonInterval(k, n);
          const tighter = wilsonInterval(k * 4, n * 4);
          expect(tighter.high - tighter.low).toBeLessThanOrEqual(wider.high - wider.low + 1e-12);
        },
      ),
    );
  });

  it('refuses impossible counts', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
  });
});

describe('median', () => {
  it.each([
    [[], null],
    [[4], 4],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('%j → %s', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('has as many values at or below it as at or above it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1 }), (values) => {
        const m = median(values) as number;
        expect(values.filter((v) => v <= m).length * 2).toBeGreaterThanOrEqual(values.length);
        expect(values.filter((v) => v >= m).length * 2).toBeGreaterThanOrEqual(values.length);
      }),
    );
  });
});

describe('confidence buckets', () => {
  it.each([
    [0.5, '0.5–0.6'],
    [0.59, '0.5–0.6'],
    [0.6, '0.6–0.7'],
    [0.85, '0.8–0.9'],
    [0.9, '0.9–1.0'],
    [1, '0.9–1.0'],
    [0.3, '<0.5'],
    [0, '<0.5'],
  ])('%f falls in %s', (c, label) => {
    expect(bucketLabel(bucketIndex(c))).toBe(label);
  });

  it('every confidence lands in the bucket whose floor is at or below it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (c) => {
        expect(bucketFloor(bucketLabel(bucketIndex(c)))).toBeLessThanOrEqual(c + 1e-9);
      }),
    );
  });
});

describe('buildStats', () => {
  const rows: StatsAggregateRow[] = [
    {
      field: 'closedate',
      kind: 'proposed',
      reason: null,
      bucket: null,
      n: 30,
      medianWaitSeconds: null,
    },
    {
      field: 'closedate',
      kind: 'approved',
      reason: null,
      bucket: 9,
      n: 12,
      medianWaitSeconds: null,
    },
    {
      field: 'closedate',
      kind: 'approved',
      reason: null,
      bucket: 7,
      n: 3,
      medianWaitSeconds: null,
    },
    { field: 'closedate', kind: 'edited', reason: null, bucket: 7, n: 2, medianWaitSeconds: null },
    {
      field: 'closedate',
      kind: 'rejected',
      reason: 'wrong year',
      bucket: 7,
      n: 4,
      medianWaitSeconds: null,
    },
    {
      field: 'closedate',
      kind: 'rejected',
      reason: 'no reason',
      bucket: 9,
      n: 1,
      medianWaitSeconds: null,
    },
    { field: 'closedate', kind: null, reason: null, bucket: null, n: 22, medianWaitSeconds: 3600 },
    {
      field: 'next_step',
      kind: 'auto_written',
      reason: null,
      bucket: null,
      n: 40,
      medianWaitSeconds: null,
    },
    {
      field: 'next_step',
      kind: 'overturned',
      reason: null,
      bucket: null,
      n: 10,
      medianWaitSeconds: null,
    },
    {
      field: 'metrics',
      kind: 'suggested',
      reason: null,
      bucket: null,
      n: 7,
      medianWaitSeconds: null,
    },
  ];
  const report = buildStats(rows, { since: null, fields: ['closedate', 'next_step', 'champion'] });
  const field = (name: string) => report.fields.find((f) => f.field === name);

  it('counts each kind, rejections by reason, and the median wait', () => {
    const c = field('closedate');
    expect(c?.counts).toMatchObject({ proposed: 30, approved: 15, edited: 2, rejected: 5 });
    expect(c?.rejectedByReason).toEqual({ 'wrong year': 4, 'no reason': 1 });
    expect(c?.decisions).toBe(22);
    expect(c?.approveAsIs.rate).toBeCloseTo(15 / 22);
    expect(c?.medianDecisionSeconds).toBe(3600);
  });

  it('rates each confidence bucket with its Wilson interval, per field and overall', () => {
    expect(field('closedate')?.buckets.map((b) => [b.bucket, b.decisions, b.approved])).toEqual([
      ['0.7–0.8', 9, 3],
      ['0.9–1.0', 13, 12],
    ]);
    const top = report.buckets.find((b) => b.bucket === '0.9–1.0');
    expect(top?.interval.low).toBeCloseTo(wilsonInterval(12, 13).low);
  });

  it('rates overturns against Scout changes to the rep field; lists policy fields with no evidence', () => {
    expect(field('next_step')?.overturn).toMatchObject({ overturned: 10, changes: 40, rate: 0.25 });
    expect(field('champion')?.decisions).toBe(0);
    expect(field('champion')?.approveAsIs.rate).toBeNull();
    expect(field('metrics')?.counts.suggested).toBe(7);
  });
});

describe('findOverturns', () => {
  const change = (over: Partial<LatestScoutChange>): LatestScoutChange => ({
    id: 1,
    recordId: 'd1',
    field: 'next_step',
    action: 'written',
    value: 'Call Dana on Friday',
    confidence: 0.95,
    ...over,
  });
  const deals = new Map([
    ['d1', { next_step: 'Send the contract', amount: 25_000, scout_metrics: null }],
  ]);
  const typeOf = (f: string) => (f === 'amount' ? 'number' : 'text') as 'number' | 'text';

  it.each([
    ['a rep value differing from a write', change({}), 1],
    ['a rep value differing from an approved apply', change({ action: 'applied' }), 1],
    ['the same value, give or take whitespace', change({ value: ' Send the contract ' }), 0],
    ['the same number written as text', change({ field: 'amount', value: '25000' }), 0],
    ['an undo since the write', change({ action: 'undone' }), 0],
    ['an overturn already logged', change({ action: 'overturned' }), 0],
    ["Scout's own suggestion cleared", change({ field: 'scout_metrics', value: 'x' }), 0],
    ['a deal the run did not read', change({ recordId: 'd9' }), 0],
  ])('%s → %i', (_name, latest, expected) => {
    expect(findOverturns([latest], deals, typeOf)).toHaveLength(expected);
  });

  it('reads a property the CRM left out as cleared', () => {
    const [found] = findOverturns([change({ field: 'champion' })], deals, typeOf);
    expect(found?.repValue).toBeNull();
  });
});
