import { describe, expect, it } from 'vitest';
import { adviseAutonomy, MIN_EVIDENCE } from '../../src/domain/autonomy-advice.js';
import { buildStats, type StatsAggregateRow } from '../../src/domain/field-stats.js';
import { applyAdviceToText, policyDiff } from '../../src/policy-edit.js';
import { parsePolicyText } from '../../src/policy-file.js';

const POLICY = `version: 1
thresholds: { auto: 0.90, propose: 0.50 } # defaults
objects:
  deal:
    fields:
      metrics:
        write: suggest   # the rep promotes
      next_step:
        write: auto
        max_length: 300
      closedate:
        write: approve
        thresholds: { propose: 0.7 }
      decision_process: { write: approve, label: Decision process }
      champion:
        write: auto
      amount: { write: never }
`;
const policy = parsePolicyText(POLICY, 'policy.yml');

type Row = Omit<StatsAggregateRow, 'medianWaitSeconds' | 'reason'> & { reason?: string };
const rows = (list: Row[]): StatsAggregateRow[] =>
  list.map((r) => ({ reason: null, medianWaitSeconds: null, ...r }));
const advise = (list: Row[]) =>
  adviseAutonomy(buildStats(rows(list), { since: null, fields: [] }), policy);

describe('adviseAutonomy', () => {
  it('demotes an auto field reps overturn, on enough evidence only', () => {
    const at = (changes: number, overturned: number) =>
      advise([
        { field: 'next_step', kind: 'auto_written', bucket: null, n: changes },
        { field: 'next_step', kind: 'overturned', bucket: null, n: overturned },
      ]).advice;
    expect(at(20, 8)).toMatchObject([
      { field: 'next_step', kind: 'demote', path: ['write'], from: 'auto', to: 'approve' },
    ]);
    expect(at(20, 8)[0]?.evidence).toMatchObject({ successes: 8, trials: 20, rate: 0.4 });
    // The same share on 19 changes is below the minimum evidence: no advice.
    expect(at(MIN_EVIDENCE - 1, 8)).toEqual([]);
    // 3 of 40 (7.5 %): the Wilson lower bound (2.6 %) is under the 10 % bound.
    expect(at(40, 3)).toEqual([]);
  });

  it('moves an approve field to auto when cards at the auto threshold are approved unchanged', () => {
    const advice = advise([
      { field: 'decision_process', kind: 'approved', bucket: 9, n: 60 },
      { field: 'decision_process', kind: 'edited', bucket: 9, n: 1 },
    ]).advice;
    expect(advice).toMatchObject([{ field: 'decision_process', kind: 'lane', to: 'auto' }]);
    // 19 of 20 is 95 %, but its Wilson lower bound (76 %) is not yet 90 %.
    expect(
      advise([
        { field: 'decision_process', kind: 'approved', bucket: 9, n: 19 },
        { field: 'decision_process', kind: 'rejected', bucket: 9, n: 1 },
      ]).advice,
    ).toEqual([]);
  });

  it('never moves a protected field to auto', () => {
    const p = parsePolicyText(POLICY.replace('decision_process', 'close_date'), 'p.yml');
    const stats = buildStats(rows([{ field: 'close_date', kind: 'approved', bucket: 9, n: 80 }]), {
      since: null,
      fields: [],
    });
    expect(adviseAutonomy(stats, p).advice).toEqual([]);
  });

  it('raises the propose threshold past buckets reps mostly reject, and lowers auto when just below it is trusted', () => {
    const advice = advise([
      { field: 'champion', kind: 'rejected', bucket: 5, n: 25 },
      { field: 'champion', kind: 'approved', bucket: 5, n: 2 },
      { field: 'champion', kind: 'rejected', bucket: 6, n: 20 },
      { field: 'champion', kind: 'approved', bucket: 7, n: 10 },
      { field: 'champion', kind: 'approved', bucket: 8, n: 80 },
    ]).advice;
    expect(advice.map((a) => [a.path.join('.'), a.from, a.to])).toEqual([
      ['thresholds.propose', 0.5, 0.7],
      ['thresholds.auto', 0.9, 0.8],
    ]);
  });

  it('sends an approve field reps mostly reject back to suggestions', () => {
    expect(
      advise([
        { field: 'closedate', kind: 'rejected', bucket: 8, n: 30, reason: 'wrong year' },
        { field: 'closedate', kind: 'approved', bucket: 8, n: 1 },
      ]).advice,
    ).toMatchObject([{ field: 'closedate', kind: 'demote', from: 'approve', to: 'suggest' }]);
  });

  it('lists fields still short of evidence, with their count', () => {
    const { waiting } = advise([{ field: 'metrics', kind: 'suggested', bucket: null, n: 7 }]);
    expect(waiting).toContainEqual({ field: 'metrics', lane: 'suggest', evidence: 7, needed: 20 });
    expect(waiting.map((w) => w.field)).not.toContain('amount');
  });
});

describe('applyAdviceToText', () => {
  const advice = advise([
    { field: 'next_step', kind: 'auto_written', bucket: null, n: 30 },
    { field: 'next_step', kind: 'overturned', bucket: null, n: 15 },
    { field: 'decision_process', kind: 'approved', bucket: 9, n: 60 },
    { field: 'champion', kind: 'rejected', bucket: 5, n: 25 },
    { field: 'champion', kind: 'approved', bucket: 8, n: 80 },
    { field: 'closedate', kind: 'rejected', bucket: 7, n: 30 },
    { field: 'closedate', kind: 'approved', bucket: 9, n: 3 },
  ]).advice;

  it('changes the advised keys in place and every other byte not at all', () => {
    const after = applyAdviceToText(POLICY, advice);
    expect(after).toBe(
      POLICY.replace(
        '      next_step:\n        write: auto',
        '      next_step:\n        write: approve',
      )
        .replace(
          '{ write: approve, label: Decision process }',
          '{ write: auto, label: Decision process }',
        )
        .replace(
          '      champion:\n        write: auto\n',
          '      champion:\n        write: auto\n        thresholds: { propose: 0.6, auto: 0.8 }\n',
        )
        .replace(
          '      closedate:\n        write: approve',
          '      closedate:\n        write: suggest',
        ),
    );
    // The result is still a valid policy.
    expect(parsePolicyText(after, 'after.yml').dealFields.get('champion')?.thresholds).toEqual({
      auto: 0.8,
      propose: 0.6,
    });
  });

  it('adds a key to a flow map and prints a unified diff', () => {
    const [lower] = advise([{ field: 'champion', kind: 'approved', bucket: 8, n: 80 }]).advice;
    const text = POLICY.replace(
      '      champion:\n        write: auto\n',
      '      champion: { write: auto }\n',
    );
    const after = applyAdviceToText(text, lower ? [lower] : []);
    expect(after).toContain('      champion: { write: auto, thresholds: { auto: 0.8 } }\n');
    const diff = policyDiff('policy.yml', text, after);
    expect(diff).toContain('--- policy.yml');
    expect(diff).toContain('-      champion: { write: auto }');
    expect(diff).toContain('+      champion: { write: auto, thresholds: { auto: 0.8 } }');
    expect(policyDiff('policy.yml', text, text)).toBe('');
  });
});
