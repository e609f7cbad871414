import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FieldType, isEmptyValue, valuesEqual } from '../../src/domain/values.js';

describe('emptiness per type (G3)', () => {
  const rows: Array<[FieldType, unknown, boolean]> = [
    ['text', null, true],
    ['text', undefined, true],
    ['text', '', true],
    ['text', '  \n\t', true],
    ['text', 'x', false],
    ['text', '0', false],
    ['text', 'false', false],
    ['number', null, true],
    ['number', '', true],
    ['number', 0, false],
    ['number', '0', false],
    ['number', Number.NaN, true],
    ['number', Number.POSITIVE_INFINITY, true],
    ['date', null, true],
    ['date', '', true],
    ['date', '2026-01-01', false],
    ['enum', null, true],
    ['enum', '', true],
    ['enum', 'false', false],
    ['enum', 'not-an-option', false],
    ['user', null, true],
    ['user', ' ', true],
    ['user', 'u1', false],
  ];
  it.each(rows)('%s %j → empty %s', (type, value, empty) => {
    expect(isEmptyValue(type, value)).toBe(empty);
  });

  it('any non-blank string is filled for every string type', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<FieldType>('text', 'date', 'enum', 'user'),
        fc.string(),
        (type, s) => {
          expect(isEmptyValue(type, s)).toBe(s.trim() === '');
        },
      ),
    );
  });
});

describe('valuesEqual', () => {
  it.each([
    ['number', 40, '40', true],
    ['number', 40, 41, false],
    ['text', ' Dana ', 'Dana', true],
    ['text', 'Dana', 'dana', false],
    ['text', null, '', true],
    ['date', '2027-01-31', '2027-01-31', true],
    ['enum', 'a', null, false],
  ] as Array<[FieldType, string | number | null, string | number | null, boolean]>)(
    '%s %j = %j → %s',
    (t, a, b, eq) => {
      expect(valuesEqual(t, a, b)).toBe(eq);
    },
  );
});
