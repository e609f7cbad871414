import { type AutonomyAdvice, describeAdvice } from './autonomy-advice.js';
import type { FieldStats } from './field-stats.js';
import { keyAsWords } from './for-people.js';

/** The weekly "what changed and why" (docs/guarantees.md#g27), as numbers; rendered for a terminal or Slack. */
export interface Digest {
  readonly since: Date;
  readonly until: Date;
  readonly runs: {
    readonly total: number;
    readonly live: number;
    readonly dry: number;
    /** Runs asked to be live that ran dry (LIVE_WRITES unset, or paused). */
    readonly dryDespiteApply: number;
    readonly failed: number;
  };
  /** Deals the newest finished extraction run looked at, of the deals there were. */
  readonly coverage: { readonly scanned: number; readonly total: number } | null;
  readonly fields: readonly FieldStats[];
  /** Each field's label (the policy's), so people read "Close date", not `closedate`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly costUsd: number;
  readonly advice: AutonomyAdvice;
}

const pct = (k: number, n: number) => (n === 0 ? '—' : `${Math.round((k / n) * 100)}%`);
const day = (d: Date) => d.toISOString().slice(0, 10);
const labelOf = (d: Digest, field: string) =>
  Object.hasOwn(d.labels, field) ? (d.labels[field] as string) : keyAsWords(field);

/** Lines of "what changed and why", one per field that saw anything. */
function changeLines(d: Digest): string[] {
  const lines: string[] = [];
  for (const f of d.fields) {
    const c = f.counts;
    const parts = [
      c.auto_written > 0 ? `${c.auto_written} written automatically` : '',
      c.suggested > 0 ? `${c.suggested} suggested` : '',
      c.applied > 0 ? `${c.applied} written after approval` : '',
      c.approved + c.edited > 0 ? `${c.approved} approved as-is, ${c.edited} edited` : '',
      c.promoted > 0 ? `${c.promoted} suggestions promoted` : '',
      c.rejected > 0
        ? `${c.rejected} rejected (${Object.entries(f.rejectedByReason)
            .map(([reason, n]) => `${reason}: ${n}`)
            .join('; ')})`
        : '',
      c.overturned > 0 ? `${c.overturned} overturned by reps` : '',
    ].filter((p) => p !== '');
    if (parts.length > 0) lines.push(`${labelOf(d, f.field)}: ${parts.join(', ')}`);
  }
  return lines;
}

export interface DigestSections {
  readonly title: string;
  readonly overview: string[];
  readonly changes: string[];
  readonly advice: string[];
}

export function digestSections(d: Digest): DigestSections {
  const proposals = d.fields.reduce((n, f) => n + f.counts.proposed, 0);
  const stale = d.fields.reduce((n, f) => n + f.counts.stale, 0);
  const expired = d.fields.reduce((n, f) => n + f.counts.expired, 0);
  const r = d.runs;
  return {
    title: `Scout weekly digest: ${day(d.since)} to ${day(d.until)}`,
    overview: [
      `Runs: ${r.total} (${r.live} live, ${r.dry} dry${r.dryDespiteApply > 0 ? `, ${r.dryDespiteApply} asked to be live but ran dry` : ''}${r.failed > 0 ? `, ${r.failed} failed` : ''})`,
      d.coverage
        ? `Coverage: the newest run looked at ${d.coverage.scanned} of ${d.coverage.total} deals (${pct(d.coverage.scanned, d.coverage.total)})`
        : 'Coverage: no finished extraction run this week',
      `Proposals: ${proposals}; stale ${stale} (${pct(stale, proposals)}), expired ${expired} (${pct(expired, proposals)})`,
      `Model spend (estimated): $${d.costUsd.toFixed(2)}`,
    ],
    changes: changeLines(d),
    advice: [
      ...d.advice.advice.map((a) => describeAdvice({ ...a, field: labelOf(d, a.field) })),
      ...(d.advice.waiting.length > 0
        ? [`${d.advice.waiting.length} field(s) still gathering evidence`]
        : []),
    ],
  };
}

export function formatDigest(d: Digest): string {
  const s = digestSections(d);
  return [
    s.title,
    '',
    ...s.overview,
    '',
    'What changed and why',
    ...(s.changes.length > 0 ? s.changes.map((l) => `  ${l}`) : ['  nothing changed']),
    '',
    'Autonomy advice (nothing is applied; see `scout autonomy` for the policy diff)',
    ...(s.advice.length > 0 ? s.advice.map((l) => `  ${l}`) : ['  none']),
  ].join('\n');
}
