import { type BucketStats, bucketFloor, type FieldStats, type StatsReport } from './field-stats.js';
import { type FieldPolicy, isProtectedField, type Policy, type WriteMode } from './policy.js';
import { type Interval, wilsonInterval } from './wilson.js';

/**
 * The evidence rules (docs/guarantees.md#g26). No advice rests on fewer than MIN_EVIDENCE outcomes, and
 * every rule reads a 95 % Wilson bound, not the bare rate: 19 approvals out of 20 is not
 * yet proof of 90 %, and the advice waits until it is.
 */
export const MIN_EVIDENCE = 20;
/** Approve-as-is share a lane or threshold change needs (the Wilson lower bound). */
export const TRUST_BOUND = 0.9;
/** Below this approve-as-is share (the Wilson upper bound), reps are mostly saying no. */
export const DISTRUST_BOUND = 0.5;
/** An `approve` field whose approve-as-is share (the Wilson upper bound) stays below this goes back to suggestions. */
export const REJECTED_BOUND = 0.25;
/** An `auto` field whose overturn share's Wilson lower bound passes this is demoted. */
export const OVERTURN_BOUND = 0.1;
/** A suggestion field whose promotions' Wilson lower bound passes this earns cards. */
export const PROMOTE_BOUND = 0.8;

export interface Evidence {
  /** What was counted, in words: "approved as-is of decisions at 0.9–1.0". */
  readonly measure: string;
  readonly successes: number;
  readonly trials: number;
  readonly rate: number;
  readonly interval: Interval;
}

export interface Advice {
  readonly field: string;
  readonly kind: 'lane' | 'threshold' | 'demote';
  /** The policy key it changes, under objects.deal.fields.<field>. */
  readonly path: readonly ['write'] | readonly ['thresholds', 'auto' | 'propose'];
  readonly from: WriteMode | number;
  readonly to: WriteMode | number;
  readonly evidence: Evidence;
  readonly why: string;
}

export interface WaitingField {
  readonly field: string;
  readonly lane: WriteMode;
  /** The outcomes counted so far toward this field's rules, and the minimum. */
  readonly evidence: number;
  readonly needed: number;
}

export interface AutonomyAdvice {
  readonly advice: readonly Advice[];
  /** Fields with no advice and too little evidence to give any. */
  readonly waiting: readonly WaitingField[];
}

function evidence(measure: string, successes: number, trials: number): Evidence {
  return {
    measure,
    successes,
    trials,
    rate: trials === 0 ? 0 : successes / trials,
    interval: wilsonInterval(successes, trials),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Decisions in the buckets at or above `from` (and below `below`), pooled. */
function pooled(buckets: readonly BucketStats[], from: number, below = 1.01) {
  let decisions = 0;
  let approved = 0;
  for (const b of buckets) {
    const floor = bucketFloor(b.bucket);
    if (floor + 1e-9 >= from && floor + 1e-9 < below) {
      decisions += b.decisions;
      approved += b.approved;
    }
  }
  return { decisions, approved };
}

function demoteOverturned(f: FieldPolicy, s: FieldStats): Advice | null {
  if (f.write !== 'auto' || s.overturn.changes < MIN_EVIDENCE) return null;
  const e = evidence(
    'overturned by a rep of Scout changes to the field',
    Math.min(s.overturn.overturned, s.overturn.changes),
    s.overturn.changes,
  );
  if (e.interval.low <= OVERTURN_BOUND) return null;
  return {
    field: f.name,
    kind: 'demote',
    path: ['write'],
    from: 'auto',
    to: 'approve',
    evidence: e,
    why: `reps overturned ${e.successes} of ${e.trials} values Scout wrote (${pct(e.rate)}; at least ${pct(e.interval.low)} with 95% confidence, above ${pct(OVERTURN_BOUND)}): let a person approve them first`,
  };
}

function promoteToAuto(f: FieldPolicy, s: FieldStats): Advice | null {
  if (f.write !== 'approve' || isProtectedField(f.name)) return null;
  const top = pooled(s.buckets, f.thresholds.auto);
  if (top.decisions < MIN_EVIDENCE) return null;
  const e = evidence(
    `approved as-is of decisions at confidence ${f.thresholds.auto} and above`,
    top.approved,
    top.decisions,
  );
  if (e.interval.low < TRUST_BOUND) return null;
  return {
    field: f.name,
    kind: 'lane',
    path: ['write'],
    from: 'approve',
    to: 'auto',
    evidence: e,
    why: `reps approved ${e.successes} of ${e.trials} cards at or above the auto threshold unchanged (at least ${pct(e.interval.low)} with 95% confidence): Scout could fill the field while it is empty`,
  };
}

function demoteToSuggest(f: FieldPolicy, s: FieldStats): Advice | null {
  if (f.write !== 'approve' || s.decisions < MIN_EVIDENCE) return null;
  const e = evidence('approved as-is of all decisions', s.counts.approved, s.decisions);
  if (e.interval.high >= REJECTED_BOUND) return null;
  return {
    field: f.name,
    kind: 'demote',
    path: ['write'],
    from: 'approve',
    to: 'suggest',
    evidence: e,
    why: `reps approved only ${e.successes} of ${e.trials} cards unchanged (at most ${pct(e.interval.high)} with 95% confidence): the cards cost reps more than they give; suggest instead`,
  };
}

function raisePropose(f: FieldPolicy, s: FieldStats): Advice | null {
  if (f.write !== 'approve' && f.write !== 'auto') return null;
  // Walk up from the propose threshold while each bucket is mostly rejected, on enough evidence.
  let to = f.thresholds.propose;
  let counted = { decisions: 0, approved: 0 };
  for (;;) {
    const next = Math.floor(to * 10 + 1e-9) / 10;
    const bucket = pooled(s.buckets, next, next + 0.1);
    if (bucket.decisions < MIN_EVIDENCE) break;
    if (wilsonInterval(bucket.approved, bucket.decisions).high >= DISTRUST_BOUND) break;
    const raised = round2(next + 0.1);
    if (raised > f.thresholds.auto) break;
    counted = {
      decisions: counted.decisions + bucket.decisions,
      approved: counted.approved + bucket.approved,
    };
    to = raised;
  }
  if (to === f.thresholds.propose) return null;
  const e = evidence(
    `approved as-is of decisions from ${f.thresholds.propose} to ${to}`,
    counted.approved,
    counted.decisions,
  );
  return {
    field: f.name,
    kind: 'threshold',
    path: ['thresholds', 'propose'],
    from: f.thresholds.propose,
    to,
    evidence: e,
    why: `below ${to} reps approved only ${e.successes} of ${e.trials} cards unchanged (at most ${pct(e.interval.high)} with 95% confidence): stop proposing there`,
  };
}

function lowerAuto(f: FieldPolicy, s: FieldStats): Advice | null {
  if (f.write !== 'auto') return null;
  const below = round2(Math.ceil(f.thresholds.auto * 10 - 1e-9) / 10 - 0.1);
  if (below < f.thresholds.propose) return null;
  const bucket = pooled(s.buckets, below, f.thresholds.auto);
  if (bucket.decisions < MIN_EVIDENCE) return null;
  const e = evidence(
    `approved as-is of decisions from ${below} to ${f.thresholds.auto}`,
    bucket.approved,
    bucket.decisions,
  );
  if (e.interval.low < TRUST_BOUND) return null;
  return {
    field: f.name,
    kind: 'threshold',
    path: ['thresholds', 'auto'],
    from: f.thresholds.auto,
    to: below,
    evidence: e,
    why: `reps approved ${e.successes} of ${e.trials} cards just below the auto threshold unchanged (at least ${pct(e.interval.low)} with 95% confidence): Scout could write those itself`,
  };
}

function suggestToApprove(f: FieldPolicy, s: FieldStats): Advice | null {
  if (f.write !== 'suggest' || s.counts.suggested < MIN_EVIDENCE) return null;
  const e = evidence(
    'suggestions a rep promoted into the field',
    Math.min(s.counts.promoted, s.counts.suggested),
    s.counts.suggested,
  );
  if (e.interval.low < PROMOTE_BOUND) return null;
  return {
    field: f.name,
    kind: 'lane',
    path: ['write'],
    from: 'suggest',
    to: 'approve',
    evidence: e,
    why: `reps promoted ${e.successes} of ${e.trials} suggestions (at least ${pct(e.interval.low)} with 95% confidence): a card with one button would save them the copying`,
  };
}

/** How much evidence a field's rules have to go on, for the "waiting" list. */
function evidenceCount(f: FieldPolicy, s: FieldStats): number {
  switch (f.write) {
    case 'auto':
      return Math.max(s.overturn.changes, s.decisions);
    case 'suggest':
      return s.counts.suggested;
    default:
      return s.decisions;
  }
}

/**
 * Per-field recommendations from the statistics. Advice never applies itself: it is
 * printed as a policy diff for a person to read, and a demotion supersedes every other
 * change to the same field.
 */
export function adviseAutonomy(stats: StatsReport, policy: Policy): AutonomyAdvice {
  const advice: Advice[] = [];
  const waiting: WaitingField[] = [];
  for (const f of policy.dealFields.values()) {
    if (f.write === 'never') continue;
    const s = stats.fields.find((x) => x.field === f.name);
    if (!s) continue;
    const demotion = demoteOverturned(f, s) ?? demoteToSuggest(f, s);
    const found = demotion
      ? [demotion]
      : [promoteToAuto(f, s), raisePropose(f, s), lowerAuto(f, s), suggestToApprove(f, s)].filter(
          (a): a is Advice => a !== null,
        );
    advice.push(...found);
    const count = evidenceCount(f, s);
    if (found.length === 0 && count < MIN_EVIDENCE)
      waiting.push({ field: f.name, lane: f.write, evidence: count, needed: MIN_EVIDENCE });
  }
  return { advice, waiting };
}

/** One line per advice: what to change, and the numbers behind it. */
export function describeAdvice(a: Advice): string {
  const what =
    a.path.length === 1
      ? `${a.kind === 'demote' ? 'demote' : 'move'} from ${a.from} to ${a.to}`
      : `${Number(a.to) > Number(a.from) ? 'raise' : 'lower'} the ${a.path[1]} threshold from ${a.from} to ${a.to}`;
  const e = a.evidence;
  return `${a.field}: ${what} — ${e.successes} of ${e.trials} ${e.measure} (${pct(e.rate)}, 95% CI ${pct(e.interval.low)}–${pct(e.interval.high)})`;
}
