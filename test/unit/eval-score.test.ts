import { describe, expect, it } from 'vitest';
import { matches, overall, scoreFields } from '../../eval/score.js';

describe('the live-eval scorer', () => {
  it('matches text by keywords and other values exactly', () => {
    expect(matches(['dana', 'whitfield'], 'Dana Whitfield (CFO)')).toBe(true);
    expect(matches(['dana', 'whitfield'], 'Dana')).toBe(false);
    expect(matches('2027-01-31', '2027-01-31')).toBe(true);
    expect(matches('2027-01-31', '2027-01-30')).toBe(false);
  });

  it('counts true and false positives and negatives per field', () => {
    const scores = scoreFields([
      {
        expected: { economic_buyer: ['dana'], closedate: '2027-01-31' },
        predicted: { economic_buyer: 'Dana W.', closedate: '2027-02-01' },
      },
      { expected: {}, predicted: { competition: 'Initrode' } },
      { expected: { competition: ['globex'] }, predicted: {} },
    ]);
    expect(scores).toEqual([
      {
        field: 'closedate',
        truePositives: 0,
        falsePositives: 1,
        falseNegatives: 1,
        precision: 0,
        recall: 0,
      },
      {
        field: 'competition',
        truePositives: 0,
        falsePositives: 1,
        falseNegatives: 1,
        precision: 0,
        recall: 0,
      },
      {
        field: 'economic_buyer',
        truePositives: 1,
        falsePositives: 0,
        falseNegatives: 0,
        precision: 1,
        recall: 1,
      },
    ]);
    expect(overall(scores)).toEqual({ precision: 1 / 3, recall: 1 / 3 });
  });

  it('reports no precision for a field never predicted, and a perfect "nothing" deal scores nothing against it', () => {
    expect(scoreFields([{ expected: { metrics: ['40%'] }, predicted: {} }])[0]).toMatchObject({
      precision: null,
      recall: 0,
    });
    expect(scoreFields([{ expected: {}, predicted: {} }])).toEqual([]);
    expect(overall([])).toEqual({ precision: null, recall: null });
  });
});
