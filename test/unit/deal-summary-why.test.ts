import { describe, expect, it } from 'vitest';
import { explainValue, slackUserOf, type WhyRow } from '../../src/summary/explain-field.js';

let id = 0;
const at = (day: number) => new Date(Date.UTC(2026, 10, day, 12));
function row(action: string, values: Partial<WhyRow> = {}): WhyRow {
  id += 1;
  return {
    id,
    action,
    newValue: null,
    previousValue: null,
    sourceNoteId: 'n1',
    quote: 'the quote',
    confidence: 0.8,
    actor: 'agent',
    dryRun: false,
    proposalId: null,
    createdAt: at(id),
    ...values,
  };
}

describe('explainValue: why a property holds its value', () => {
  it('an empty value needs no explanation', () => {
    expect(explainValue([row('written', { newValue: 'x' })], 'text', null)).toBeNull();
    expect(explainValue([], 'text', '  ')).toBeNull();
  });

  it('no live change by Scout: the rep entered it', () => {
    expect(explainValue([], 'text', 'Dana')).toEqual({ kind: 'rep', after: null });
    const dry = [
      row('would_write', { newValue: 'Dana' }),
      row('written', { newValue: 'Dana', dryRun: true }),
    ];
    expect(explainValue(dry, 'text', 'Dana')).toEqual({ kind: 'rep', after: null });
    const noWrite = [row('proposed', { newValue: 'Dana' }), row('skipped', { newValue: 'Dana' })];
    expect(explainValue(noWrite, 'text', 'Dana')).toEqual({ kind: 'rep', after: null });
  });

  it('a write without a person: Scout, with its quote and note', () => {
    const w = row('written', { newValue: 'Dana', quote: 'Dana signs', sourceNoteId: 'n9' });
    expect(explainValue([w], 'text', ' Dana ')).toEqual({
      kind: 'scout',
      action: 'written',
      at: w.createdAt,
      quote: 'Dana signs',
      noteId: 'n9',
      confidence: 0.8,
      approvedBy: null,
      edited: false,
    });
  });

  it('an approved proposal names the approver from the decision row', () => {
    const rows = [
      row('proposed', { newValue: '2027-01-31', proposalId: 'p1' }),
      row('approved', { newValue: '2027-01-31', proposalId: 'p1', actor: 'slack:U01LEAD' }),
      row('applied', { newValue: '2027-01-31', proposalId: 'p1', actor: 'slack:U01LEAD' }),
    ];
    expect(explainValue(rows, 'date', '2027-01-31')).toMatchObject({
      kind: 'scout',
      action: 'applied',
      approvedBy: 'U01LEAD',
      edited: false,
    });
  });

  it('an edited approval says so', () => {
    const rows = [
      row('proposed', { newValue: 100, proposalId: 'p2' }),
      row('edited', { newValue: 120, proposalId: 'p2', actor: 'slack:U01ANA' }),
      row('applied', { newValue: 120, proposalId: 'p2', actor: 'slack:U01ANA' }),
    ];
    expect(explainValue(rows, 'number', '120')).toMatchObject({
      kind: 'scout',
      approvedBy: 'U01ANA',
      edited: true,
    });
  });

  it('changed by someone after Scout: the rep, and what Scout had set', () => {
    const w = row('written', { newValue: 'Dana' });
    expect(explainValue([w], 'text', 'Priya')).toEqual({
      kind: 'rep',
      after: { value: 'Dana', at: w.createdAt },
    });
  });

  it('an undo that restored the value explains it; a later write wins again', () => {
    const applied = row('applied', { newValue: 'B', previousValue: 'A', actor: 'slack:U1X' });
    const undone = row('undone', { newValue: 'A', previousValue: 'B', actor: 'slack:U01OPS' });
    expect(explainValue([applied, undone], 'text', 'A')).toEqual({
      kind: 'undo',
      at: undone.createdAt,
      actor: 'slack:U01OPS',
      undoneValue: 'B',
    });
    const again = row('written', { newValue: 'A' });
    expect(explainValue([applied, undone, again], 'text', 'A')).toMatchObject({
      kind: 'scout',
      action: 'written',
    });
    expect(
      explainValue([applied, undone, row('would_undo', { newValue: 'B' })], 'text', 'A'),
    ).toMatchObject({ kind: 'undo' });
  });

  it.each([
    ['slack:U01ANA', 'U01ANA'],
    ['slack:W0ENTERPRISE', 'W0ENTERPRISE'],
    ['agent', null],
    ['cli', null],
    ['slack:<!channel>', null],
  ])('slackUserOf(%s)', (actor, user) => {
    expect(slackUserOf(actor)).toBe(user);
  });
});
