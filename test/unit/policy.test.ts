import { describe, expect, it } from 'vitest';
import { guardByType, isProtectedByType, isProtectedField } from '../../src/domain/policy.js';
import { ScoutError } from '../../src/errors.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile, parsePolicyText } from '../../src/policy-file.js';

function errorOf(text: string): string {
  try {
    parsePolicyText(text, 'policy.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScoutError);
    expect((error as ScoutError).code).toBe('policy_invalid');
    expect((error as ScoutError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected the policy to be refused');
}

describe('field policy (G1)', () => {
  it('the shipped default is valid and follows the issues: MEDDIC suggest, next_step approve (no rep-owned field without a person), close date approve with evidence, stage/amount/owner never', () => {
    const p = loadPolicyFile(DEFAULT_POLICY_PATH);
    for (const f of [
      'metrics',
      'economic_buyer',
      'decision_criteria',
      'decision_process',
      'paper_process',
      'identified_pain',
      'champion',
      'competition',
    ]) {
      expect(p.dealFields.get(f)?.write).toBe('suggest');
    }
    expect(p.dealFields.get('next_step')?.write).toBe('approve');
    expect([...p.dealFields.values()].filter((f) => f.write === 'auto')).toEqual([]);
    expect(p.dealFields.get('closedate')).toMatchObject({
      write: 'approve',
      evidence: ['meeting', 'email_reply'],
      onFilled: 'propose',
    });
    for (const f of ['dealstage', 'amount', 'hubspot_owner_id'])
      expect(p.dealFields.get(f)?.write).toBe('never');
  });

  it('resolves thresholds: field over file over built-in defaults', () => {
    const p = parsePolicyText(
      'version: 1\nthresholds: { propose: 0.6 }\nobjects:\n  deal:\n    fields:\n      a: { write: suggest }\n      b: { write: auto, thresholds: { auto: 0.95 } }\n',
      'p.yml',
    );
    expect(p.dealFields.get('a')?.thresholds).toEqual({ auto: 0.9, propose: 0.6 });
    expect(p.dealFields.get('b')?.thresholds).toEqual({ auto: 0.95, propose: 0.6 });
    expect(p.proposalTtlHours).toBe(72);
  });

  it('names the offending key and its line', () => {
    const msg = errorOf(
      'version: 1\nobjects:\n  deal:\n    fields:\n      economic_buyer:\n        write: sugest\n',
    );
    expect(msg).toContain('policy.yml:6:16: objects.deal.fields.economic_buyer.write:');
  });

  it('reads number rules (min, max, integer) and refuses a min above the max', () => {
    const seats = (rules: string) =>
      `version: 1\nobjects:\n  deal:\n    fields:\n      seats: { write: approve, ${rules} }\n`;
    const p = parsePolicyText(seats('min: 0, max: 5000, integer: true'), 'policy.yml');
    expect(p.dealFields.get('seats')).toMatchObject({ min: 0, max: 5000, integer: true });
    expect(errorOf(seats('min: 10, max: 5'))).toContain('min (10) must not be above max (5)');
    expect(errorOf(seats('integer: yes-please'))).toContain('objects.deal.fields.seats.integer');
  });

  it('refuses unknown keys, pointing at the key', () => {
    const msg = errorOf(
      'version: 1\nobjects:\n  deal:\n    fields:\n      next_step:\n        write: auto\n        treshold: 0.8\n',
    );
    expect(msg).toContain('policy.yml:7:9: objects.deal.fields.next_step.treshold: unknown key');
  });

  it.each([
    'dealstage',
    'amount',
    'hubspot_owner_id',
    'owner',
    'closedate',
    'close_date',
    'pipeline',
    'lifecyclestage',
    'hs_lifecyclestage',
    // docs/guarantees.md#g1: the CRMs' own revenue, forecast, team, closed-won/lost, record-name and consent fields.
    'hs_arr',
    'hs_acv',
    'hs_mrr',
    'hs_tcv',
    'hs_manual_forecast_category',
    'hubspot_team_id',
    'hs_is_closed_won',
    'dealname',
    'hs_legal_basis',
    'stagename',
    'forecastcategoryname',
    'probability',
    'isclosed',
    'iswon',
    'name',
  ])('refuses auto for %s', (field) => {
    const msg = errorOf(
      `version: 1\nobjects:\n  deal:\n    fields:\n      ${field}: { write: auto }\n`,
    );
    expect(msg).toContain(`objects.deal.fields.${field}.write`);
    expect(msg).toContain('can never be auto');
  });

  it('lists every problem at once', () => {
    const msg = errorOf(
      'version: 2\nthresholds: { auto: 1.5 }\nobjects:\n  deal:\n    fields:\n      scout_x: { write: suggest }\n      Bad-Name: { write: never }\n',
    );
    expect(msg).toContain('version');
    expect(msg).toContain('thresholds.auto');
    expect(msg).toContain('scout_* fields belong to the agent');
    expect(msg).toContain('lower-case letters');
  });

  it.each([
    ['YAML syntax', 'version: 1\nobjects: [unclosed\n', 'policy.yml:'],
    [
      'duplicate key',
      'version: 1\nversion: 1\nobjects: { deal: { fields: {} } }\n',
      'policy.yml:2:1',
    ],
    [
      'propose above auto',
      'version: 1\nobjects:\n  deal:\n    fields:\n      a: { write: auto, thresholds: { propose: 0.95, auto: 0.9 } }\n',
      'propose must not be above auto',
    ],
    [
      'unknown evidence type',
      'version: 1\nobjects:\n  deal:\n    fields:\n      a: { write: approve, evidence: [sms] }\n',
      'objects.deal.fields.a.evidence[0]',
    ],
    [
      'unknown object',
      'version: 1\nobjects:\n  deal: { fields: {} }\n  contact: { fields: {} }\n',
      'objects.contact: unknown key',
    ],
    [
      'bad approver id',
      'version: 1\napprovers: [ana]\nobjects: { deal: { fields: {} } }\n',
      'approvers[0]',
    ],
  ])('refuses %s', (_name, text, expected) => {
    expect(errorOf(text)).toContain(expected);
  });

  it('reports an unreadable file by path', () => {
    expect(() => loadPolicyFile('/nonexistent/policy.yml')).toThrow(
      /Cannot read policy file \/nonexistent\/policy.yml/,
    );
  });

  it('protects Salesforce names case-insensitively', () => {
    for (const name of [
      'StageName',
      'Amount',
      'CloseDate',
      'OwnerId',
      'ForecastCategoryName',
      'Probability',
      'IsClosed',
      'IsWon',
      'Name',
      'HS_ARR',
    ])
      expect(isProtectedField(name), name).toBe(true);
  });

  it('the type rule: a date field whose name says close is protected; auto becomes approve for it', () => {
    const p = parsePolicyText(
      'version: 1\nobjects:\n  deal:\n    fields:\n      expected_close: { write: auto }\n      closing_notes: { write: auto }\n      next_step: { write: auto }\n',
      'p.yml',
    );
    const guarded = guardByType(
      p.dealFields,
      new Map([
        ['expected_close', { type: 'date' }],
        ['closing_notes', { type: 'text' }],
        ['next_step', { type: 'text' }],
      ]),
    );
    expect(guarded.get('expected_close')?.write).toBe('approve');
    expect(guarded.get('closing_notes')?.write).toBe('auto');
    expect(guarded.get('next_step')?.write).toBe('auto');
    expect(isProtectedByType('Expected_Close', 'date')).toBe(true);
    expect(isProtectedByType('expected_close', 'text')).toBe(false);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses a key named %s, by name and line, wherever it is',
    (key) => {
      expect(
        errorOf(`version: 1\nobjects:\n  deal:\n    fields:\n      ${key}: { write: suggest }\n`),
      ).toContain(`policy.yml:5:7: the key ${key} is not allowed`);
      expect(errorOf(`version: 1\n${key}: 1\nobjects: { deal: { fields: {} } }\n`)).toContain(
        `the key ${key} is not allowed`,
      );
    },
  );

  it('a billion-laughs policy is refused as bad input (exit 2), not expanded', () => {
    const lines = ['version: 1', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    lines.push('objects: { deal: { fields: {} } }');
    expect(errorOf(`${lines.join('\n')}\n`)).toContain('aliases expand');
  });

  it('protects variants of sensitive field names but not ordinary ones', () => {
    expect(isProtectedField('closeDate')).toBe(true);
    expect(isProtectedField('deal_owner')).toBe(true);
    expect(isProtectedField('next_step')).toBe(false);
    expect(isProtectedField('economic_buyer')).toBe(false);
  });
});
