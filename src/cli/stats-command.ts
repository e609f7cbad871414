import { InvalidArgumentError } from 'commander';
import type { BucketStats, FieldStats, StatsReport } from '../domain/field-stats.js';
import type { Interval } from '../domain/wilson.js';
import { table } from './output.js';

/**
 * `--since`: an ISO date or time (`2026-11-01`, `2026-11-01T09:00Z`) or an age such as
 * `30d`, `12h` or `2w`, counted back from now.
 */
export function parseSince(value: string, now: Date = new Date()): Date {
  const age = /^(\d{1,5})([hdw])$/.exec(value.trim());
  if (age) {
    const hours = { h: 1, d: 24, w: 168 }[age[2] as 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(age[1]) * hours * 3_600_000);
  }
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())
    ? new Date(value.trim())
    : new Date(Number.NaN);
  if (Number.isNaN(at.getTime()))
    throw new InvalidArgumentError('must be an ISO date or time, or an age such as 30d, 12h or 2w');
  return at;
}

const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(0)}%`);
const ci = (i: Interval) => `${(i.low * 100).toFixed(0)}–${(i.high * 100).toFixed(0)}%`;

/** A duration in the largest unit that keeps it readable. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86_400).toFixed(1)}d`;
}

export function formatStats(report: StatsReport): string {
  const head = report.since
    ? `Scout field statistics since ${report.since}`
    : 'Scout field statistics (the whole log)';
  const main = table(
    [
      'field',
      'proposed',
      'as-is',
      'edited',
      'rejected',
      'expired',
      'stale',
      'promoted',
      'suggested',
      'auto',
      'overturned',
      'as-is rate (95% CI)',
      'median decision',
    ],
    report.fields.map((f) => [
      f.field,
      String(f.counts.proposed),
      String(f.counts.approved),
      String(f.counts.edited),
      String(f.counts.rejected),
      String(f.counts.expired),
      String(f.counts.stale),
      String(f.counts.promoted),
      String(f.counts.suggested),
      String(f.counts.auto_written),
      f.overturn.changes === 0
        ? String(f.overturn.overturned)
        : `${f.overturn.overturned}/${f.overturn.changes}`,
      f.decisions === 0 ? '—' : `${pct(f.approveAsIs.rate)} (${ci(f.approveAsIs.interval)})`,
      formatDuration(f.medianDecisionSeconds),
    ]),
  );
  const reasons = report.fields.flatMap((f) =>
    Object.entries(f.rejectedByReason).map(([reason, n]) => [f.field, reason, String(n)]),
  );
  const buckets = report.fields.flatMap((f) => f.buckets.map((b) => bucketRow(f.field, b)));
  const overall = report.buckets.map((b) => bucketRow('(all fields)', b));
  return [
    head,
    '',
    main,
    ...(reasons.length > 0
      ? ['', 'Rejections by reason', table(['field', 'reason', 'rejected'], reasons)]
      : []),
    '',
    'Approve-as-is rate per confidence bucket (approved unchanged / decided, 95% Wilson interval)',
    buckets.length + overall.length === 0
      ? 'no decisions yet'
      : table(
          ['field', 'confidence', 'decided', 'as-is', 'rate', '95% CI'],
          [...buckets, ...overall],
        ),
  ].join('\n');
}

function bucketRow(field: string, b: BucketStats): string[] {
  return [field, b.bucket, String(b.decisions), String(b.approved), pct(b.rate), ci(b.interval)];
}

const intervalJson = (i: Interval) => ({ low: round(i.low), high: round(i.high) });
const round = (n: number) => Math.round(n * 10_000) / 10_000;
const maybe = (n: number | null) => (n === null ? null : round(n));

function bucketJson(b: BucketStats) {
  return {
    bucket: b.bucket,
    decisions: b.decisions,
    approved_as_is: b.approved,
    rate: maybe(b.rate),
    wilson_95: intervalJson(b.interval),
  };
}

function fieldJson(f: FieldStats) {
  return {
    field: f.field,
    proposals: f.counts.proposed,
    approved_as_is: f.counts.approved,
    edited: f.counts.edited,
    rejected: f.counts.rejected,
    rejected_by_reason: f.rejectedByReason,
    expired: f.counts.expired,
    stale: f.counts.stale,
    promoted: f.counts.promoted,
    suggested: f.counts.suggested,
    auto_written: f.counts.auto_written,
    applied: f.counts.applied,
    overturned: f.counts.overturned,
    decisions: f.decisions,
    approve_as_is_rate: maybe(f.approveAsIs.rate),
    approve_as_is_wilson_95: intervalJson(f.approveAsIs.interval),
    overturn_rate: maybe(f.overturn.rate),
    overturn_wilson_95: intervalJson(f.overturn.interval),
    median_decision_seconds: maybe(f.medianDecisionSeconds),
    buckets: f.buckets.map(bucketJson),
  };
}

/** `scout stats --json`: snake_case like every other JSON Scout prints. */
export function statsJson(report: StatsReport) {
  return {
    since: report.since,
    fields: report.fields.map(fieldJson),
    buckets: report.buckets.map(bucketJson),
  };
}
