import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFinding } from '../../src/domain/finding.js';

const valid = {
  field: 'economic_buyer',
  value: 'Dana',
  note_id: 'n1',
  quote: 'Dana signs',
  confidence: 0.9,
};

describe('finding schema (G5, extraction contract)', () => {
  it('accepts the contract', () => {
    expect(parseFinding(valid)).toEqual({ ok: true, finding: valid });
  });

  it('rejects any key beyond the contract, whatever its name or value', () => {
    const contractKeys = new Set(Object.keys(valid));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(
            'deal_id',
            'dealId',
            'objectId',
            'record_id',
            'object',
            'property',
            'target',
            '__proto__x',
          ),
          fc.string({ minLength: 1 }),
        ),
        fc.jsonValue(),
        (key, value) => {
          fc.pre(!contractKeys.has(key));
          const result = parseFinding({ ...valid, [key]: value });
          expect(result.ok).toBe(false);
          expect(result.ok ? '' : result.reason).toContain('unexpected key');
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('rejects renamed or missing contract keys', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(valid)),
        fc.string({ minLength: 1 }),
        (key, renamed) => {
          fc.pre(renamed !== key);
          const { [key as keyof typeof valid]: v, ...rest } = valid;
          expect(parseFinding({ ...rest, [renamed]: v }).ok).toBe(false);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it.each([
    ['not an object', 'economic_buyer=Dana'],
    ['array', [valid]],
    ['null', null],
    ['confidence above 1', { ...valid, confidence: 1.5 }],
    ['confidence as text', { ...valid, confidence: '0.9' }],
    ['object value', { ...valid, value: { name: 'Dana' } }],
    ['empty quote', { ...valid, quote: '' }],
    ['numeric field', { ...valid, field: 7 }],
  ])('rejects %s with a reason', (_name, raw) => {
    const r = parseFinding(raw);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(/^malformed finding: /);
  });

  it('echoes at most 200 characters of what it could read, for the log', () => {
    const r = parseFinding({ ...valid, field: 'x'.repeat(5000), extra: 1 });
    expect(r.ok ? 0 : r.field.length).toBe(200);
  });
});
