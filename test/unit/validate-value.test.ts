import { describe, expect, it } from 'vitest';
import { type ValueRules, validateValue } from '../../src/domain/validate-value.js';

const ctx = { userIds: new Set(['u1']), now: new Date('2026-11-23T00:00:00Z') };
type Row = [string, ValueRules, unknown, string | number | null];

describe('value validation (G6)', () => {
  const rows: Row[] = [
    ['text trimmed', { type: 'text' }, '  Dana  ', 'Dana'],
    ['empty text refused', { type: 'text' }, '', null],
    ['whitespace refused', { type: 'text' }, ' \n\t ', null],
    ['null refused', { type: 'text' }, null, null],
    ['number as text refused for text', { type: 'text' }, 5, null],
    ['text at the default limit', { type: 'text' }, 'x'.repeat(1000), 'x'.repeat(1000)],
    ['text over the default limit', { type: 'text' }, 'x'.repeat(1001), null],
    ['100 kB value refused', { type: 'text' }, 'y'.repeat(100_000), null],
    ['text over a custom limit', { type: 'text', maxLength: 10 }, 'x'.repeat(11), null],
    ['limit counts characters, not UTF-16 units', { type: 'text', maxLength: 2 }, '😀😀', '😀😀'],
    ['control characters refused', { type: 'text' }, 'a\u0000b', null],
    ['newlines allowed', { type: 'text' }, 'a\nb', 'a\nb'],
    ['number', { type: 'number' }, 48000, 48000],
    ['numeric text', { type: 'number' }, ' 48000.5 ', 48000.5],
    ['formatted number refused', { type: 'number' }, '48,000', null],
    ['infinite refused', { type: 'number' }, Number.POSITIVE_INFINITY, null],
    ['NaN refused', { type: 'number' }, Number.NaN, null],
    ['boolean refused', { type: 'number' }, true, null],
    ['below the minimum refused', { type: 'number', min: 0 }, -5, null],
    ['at the minimum', { type: 'number', min: 0 }, '0', 0],
    ['above the maximum refused', { type: 'number', max: 1000 }, 1001, null],
    ['a fraction refused for whole numbers', { type: 'number', integer: true }, '1.5', null],
    ['a whole number', { type: 'number', min: 0, max: 1000, integer: true }, '120', 120],
    ['date', { type: 'date' }, '2027-01-31', '2027-01-31'],
    ['impossible date', { type: 'date' }, '2027-02-29', null],
    ['leap day', { type: 'date' }, '2028-02-29', '2028-02-29'],
    ['US date refused', { type: 'date' }, '01/31/2027', null],
    ['datetime refused', { type: 'date' }, '2027-01-31T00:00:00Z', null],
    ['far future refused', { type: 'date' }, '2037-01-01', null],
    ['far past refused', { type: 'date' }, '2015-01-01', null],
    ['enum option', { type: 'enum', options: ['a', 'b'] }, 'b', 'b'],
    ['enum case differs', { type: 'enum', options: ['a', 'b'] }, 'B', null],
    ['enum missing', { type: 'enum', options: ['a', 'b'] }, 'c', null],
    ['user exists', { type: 'user' }, 'u1', 'u1'],
    ['user unknown', { type: 'user' }, 'u2', null],
  ];
  it.each(rows)('%s', (_name, rules, raw, expected) => {
    const result = validateValue(rules, raw, ctx);
    if (expected === null) {
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.reason).not.toBe('');
    } else {
      expect(result).toEqual({ ok: true, value: expected });
    }
  });

  it('explains that the agent never clears a field', () => {
    expect(validateValue({ type: 'text' }, '   ', ctx)).toEqual({
      ok: false,
      reason: 'empty value: the agent never clears a field',
    });
  });
});
