import { describe, expect, it } from 'vitest';
import { decide } from '../../src/domain/decide.js';
import type { Finding } from '../../src/domain/finding.js';
import {
  normalizedValue,
  rejectedBeforeReason,
  rejectionKey,
} from '../../src/domain/rejection-memory.js';
import { context } from '../support/decision-fixtures.js';

const finding = (over: Partial<Finding> = {}): Finding => ({
  field: 'economic_buyer',
  value: 'Dana Whitfield',
  note_id: 'n1',
  quote: 'Dana Whitfield, the CFO, signs off',
  confidence: 0.8,
  ...over,
});
const prior = { actor: 'slack:U01ANA', at: new Date('2026-11-01T10:00:00Z') };

describe('rejection memory (G24)', () => {
  it('normalises text by NFC, whitespace and case, numbers by value', () => {
    expect(normalizedValue('  Dana\u00a0 Whitfield ')).toBe('dana whitfield');
    expect(normalizedValue('Cafe\u0301')).toBe(normalizedValue('Café'));
    expect(normalizedValue(3)).toBe(3);
    expect(rejectionKey('d1', 'scout_economic_buyer', 'DANA Whitfield')).toBe(
      rejectionKey('d1', 'economic_buyer', 'dana whitfield'),
    );
    expect(rejectionKey('d1', 'economic_buyer', 'Dana')).not.toBe(
      rejectionKey('d2', 'economic_buyer', 'Dana'),
    );
  });

  it('skips a suggestion a person dismissed, naming who and when', () => {
    const seen: string[] = [];
    const out = decide(
      finding(),
      context({
        rejectedBefore: (field, value) => {
          seen.push(`${field}=${value}`);
          return prior;
        },
      }),
    );
    expect(seen).toEqual(['economic_buyer=Dana Whitfield']);
    expect(out).toMatchObject({ kind: 'skip', property: 'economic_buyer' });
    expect(out.kind === 'skip' && out.reason).toBe(rejectedBeforeReason(prior));
    expect(rejectedBeforeReason(prior)).toContain('slack:U01ANA');
    expect(rejectedBeforeReason(prior)).toContain('2026-11-01T10:00:00.000Z');
  });

  it('skips an approval-lane value a person rejected, and proposes a different one as usual', () => {
    const ctx = context({
      rejectedBefore: (_f, v) => (v === '2027-01-31' ? prior : undefined),
    });
    const base = {
      field: 'closedate',
      note_id: 'n2',
      quote: 'Signed by January 31',
      confidence: 0.9,
    };
    expect(decide(finding({ ...base, value: '2027-01-31' }), ctx)).toMatchObject({
      kind: 'skip',
      reason: rejectedBeforeReason(prior),
    });
    expect(decide(finding({ ...base, value: '2027-02-15' }), ctx)).toMatchObject({
      kind: 'propose',
      property: 'closedate',
    });
    // Filled with a different value and on_filled: propose: still not proposed again.
    expect(
      decide(finding({ ...base, value: '2027-01-31' }), {
        ...ctx,
        dealProperties: { closedate: '2027-05-01' },
      }),
    ).toMatchObject({ kind: 'skip', reason: rejectedBeforeReason(prior) });
  });

  it('without a prior rejection nothing changes', () => {
    expect(decide(finding(), context({ rejectedBefore: () => undefined }))).toMatchObject({
      kind: 'write',
      property: 'scout_economic_buyer',
    });
  });
});
