/**
 * Scores extracted values against a labelled set. Text fields match when the value
 * contains every expected keyword (case-insensitive); other fields match exactly.
 */
export type Expected = Readonly<Record<string, string | readonly string[]>>;

export interface FieldScore {
  readonly field: string;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly precision: number | null;
  readonly recall: number | null;
}

export interface DealPrediction {
  readonly expected: Expected;
  /** The value Scout would act on per field (written, suggested or proposed). */
  readonly predicted: Readonly<Record<string, string | number>>;
}

export function matches(expected: string | readonly string[], value: string | number): boolean {
  const text = String(value).toLowerCase();
  if (typeof expected === 'string') return text.trim() === expected.toLowerCase();
  return expected.every((k) => text.includes(k.toLowerCase()));
}

export function scoreFields(deals: readonly DealPrediction[]): FieldScore[] {
  const fields = new Set<string>();
  for (const d of deals) {
    for (const f of Object.keys(d.expected)) fields.add(f);
    for (const f of Object.keys(d.predicted)) fields.add(f);
  }
  return [...fields].sort().map((field) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const d of deals) {
      const want = d.expected[field];
      const got = d.predicted[field];
      if (got !== undefined && want !== undefined && matches(want, got)) tp += 1;
      else {
        if (got !== undefined) fp += 1;
        if (want !== undefined) fn += 1;
      }
    }
    return {
      field,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision: tp + fp === 0 ? null : tp / (tp + fp),
      recall: tp + fn === 0 ? null : tp / (tp + fn),
    };
  });
}

/** Micro-averaged totals over every field. */
export function overall(scores: readonly FieldScore[]): {
  precision: number | null;
  recall: number | null;
} {
  const tp = scores.reduce((n, s) => n + s.truePositives, 0);
  const fp = scores.reduce((n, s) => n + s.falsePositives, 0);
  const fn = scores.reduce((n, s) => n + s.falseNegatives, 0);
  return {
    precision: tp + fp === 0 ? null : tp / (tp + fp),
    recall: tp + fn === 0 ? null : tp / (tp + fn),
  };
}
