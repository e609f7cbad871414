import { AGENT_PREFIX } from './values.js';
import { type Interval, wilsonInterval } from './wilson.js';

/**
 * Confidence buckets a tenth wide from 0.5 up, 1.0 falling into the top one; anything
 * below 0.5 (a policy with a low propose threshold) shares one bucket.
 */
export const BUCKET_LABELS = [
  '<0.5',
  '0.5–0.6',
  '0.6–0.7',
  '0.7–0.8',
  '0.8–0.9',
  '0.9–1.0',
] as const;
export type BucketLabel = (typeof BUCKET_LABELS)[number];

/** The bucket index the SQL aggregation computes: `least(floor(c * 10), 9)`, 4 and below meaning <0.5. */
export function bucketIndex(confidence: number): number {
  return Math.min(Math.floor(confidence * 10), 9);
}

export function bucketLabel(index: number): BucketLabel {
  return BUCKET_LABELS[Math.max(0, index - 4)] as BucketLabel;
}

/** The lower edge of a bucket: where a threshold would move to. */
export function bucketFloor(label: BucketLabel): number {
  return label === '<0.5' ? 0 : Number(label.slice(0, 3));
}

/** What one provenance row counts as, once its action and field are read. */
export const STAT_KINDS = [
  'proposed',
  'approved',
  'edited',
  'rejected',
  'expired',
  'stale',
  'promoted',
  'overturned',
  /** A suggestion written into Scout's own scout_<field> property. */
  'suggested',
  /** A value written straight into the rep-owned field (the auto lane). */
  'auto_written',
  /** An approved proposal written into the rep-owned field. */
  'applied',
] as const;
export type StatKind = (typeof STAT_KINDS)[number];

/** The decisions a person makes on a card; their shares make the approve-as-is rate. */
export const DECISION_KINDS: readonly StatKind[] = ['approved', 'edited', 'rejected'];

/** One group of the SQL aggregation (see db/field-stats-query.ts). */
export interface StatsAggregateRow {
  readonly field: string;
  /** null on a field's roll-up row, which carries only the median wait. */
  readonly kind: string | null;
  readonly reason: string | null;
  readonly bucket: number | null;
  readonly n: number;
  readonly medianWaitSeconds: number | null;
}

export interface BucketStats {
  readonly bucket: BucketLabel;
  readonly decisions: number;
  readonly approved: number;
  readonly rate: number | null;
  readonly interval: Interval;
}

export interface FieldStats {
  readonly field: string;
  readonly counts: Readonly<Record<StatKind, number>>;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  /** Approved + edited + rejected. */
  readonly decisions: number;
  readonly approveAsIs: { readonly rate: number | null; readonly interval: Interval };
  /** Overturned out of Scout's changes to the rep-owned field (auto writes and applied approvals). */
  readonly overturn: {
    readonly overturned: number;
    readonly changes: number;
    readonly rate: number | null;
    readonly interval: Interval;
  };
  readonly medianDecisionSeconds: number | null;
  readonly buckets: readonly BucketStats[];
}

export interface StatsReport {
  readonly since: string | null;
  readonly fields: readonly FieldStats[];
  /** Every field together, per confidence bucket. */
  readonly buckets: readonly BucketStats[];
}

/** The field a provenance row is about: suggestions are written to scout_<field>. */
export function baseField(property: string): string {
  return property.startsWith(AGENT_PREFIX) ? property.slice(AGENT_PREFIX.length) : property;
}

const emptyKinds = (): Record<StatKind, number> =>
  Object.fromEntries(STAT_KINDS.map((k) => [k, 0])) as Record<StatKind, number>;

const rate = (k: number, n: number): number | null => (n === 0 ? null : k / n);

function bucketStats(decided: Map<number, { decisions: number; approved: number }>) {
  const out: BucketStats[] = [];
  for (const [index, b] of [...decided].sort((a, z) => a[0] - z[0])) {
    out.push({
      bucket: bucketLabel(index),
      decisions: b.decisions,
      approved: b.approved,
      rate: rate(b.approved, b.decisions),
      interval: wilsonInterval(b.approved, b.decisions),
    });
  }
  // Buckets below 0.5 share one label: merge them.
  const merged = new Map<BucketLabel, BucketStats>();
  for (const b of out) {
    const seen = merged.get(b.bucket);
    if (!seen) merged.set(b.bucket, b);
    else {
      const decisions = seen.decisions + b.decisions;
      const approved = seen.approved + b.approved;
      merged.set(b.bucket, {
        bucket: b.bucket,
        decisions,
        approved,
        rate: rate(approved, decisions),
        interval: wilsonInterval(approved, decisions),
      });
    }
  }
  return [...merged.values()];
}

/**
 * Per-field statistics from the aggregation's groups. `fields` (the policy's) are listed
 * even with no evidence yet; fields only the log knows are listed too.
 */
export function buildStats(
  rows: readonly StatsAggregateRow[],
  options: { since: Date | null; fields: readonly string[] },
): StatsReport {
  const byField = new Map<
    string,
    {
      counts: Record<StatKind, number>;
      reasons: Record<string, number>;
      buckets: Map<number, { decisions: number; approved: number }>;
      median: number | null;
    }
  >();
  const entry = (field: string) => {
    let e = byField.get(field);
    if (!e) {
      e = { counts: emptyKinds(), reasons: {}, buckets: new Map(), median: null };
      byField.set(field, e);
    }
    return e;
  };
  for (const f of options.fields) entry(f);
  const all = new Map<number, { decisions: number; approved: number }>();
  for (const r of rows) {
    const e = entry(r.field);
    if (r.kind === null) {
      e.median = r.medianWaitSeconds;
      continue;
    }
    if (!(STAT_KINDS as readonly string[]).includes(r.kind)) continue;
    const kind = r.kind as StatKind;
    e.counts[kind] += r.n;
    if (kind === 'rejected') {
      const reason = r.reason ?? 'no reason';
      e.reasons[reason] = (e.reasons[reason] ?? 0) + r.n;
    }
    if (r.bucket !== null && DECISION_KINDS.includes(kind)) {
      for (const into of [e.buckets, all]) {
        const b = into.get(r.bucket) ?? { decisions: 0, approved: 0 };
        b.decisions += r.n;
        if (kind === 'approved') b.approved += r.n;
        into.set(r.bucket, b);
      }
    }
  }
  const fields = [...byField]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([field, e]): FieldStats => {
      const decisions = e.counts.approved + e.counts.edited + e.counts.rejected;
      const changes = e.counts.auto_written + e.counts.applied;
      return {
        field,
        counts: e.counts,
        rejectedByReason: e.reasons,
        decisions,
        approveAsIs: {
          rate: rate(e.counts.approved, decisions),
          interval: wilsonInterval(e.counts.approved, decisions),
        },
        overturn: {
          overturned: e.counts.overturned,
          changes,
          rate: rate(e.counts.overturned, changes),
          interval: wilsonInterval(Math.min(e.counts.overturned, changes), changes),
        },
        medianDecisionSeconds: e.median,
        buckets: bucketStats(e.buckets),
      };
    });
  return {
    since: options.since ? options.since.toISOString() : null,
    fields,
    buckets: bucketStats(all),
  };
}
