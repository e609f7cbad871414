import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { collectStats, rowsOf } from '../../db/field-stats-query.js';
import { type AutonomyAdvice, adviseAutonomy } from '../../domain/autonomy-advice.js';
import { BUCKET_LABELS, bucketLabel, type StatsReport } from '../../domain/field-stats.js';
import { estimateCost } from '../../domain/model-pricing.js';
import type { Policy } from '../../domain/policy.js';
import { emptyUsage, type ModelUsage } from '../../domain/run-summary.js';

export interface DashboardRun {
  readonly id: string;
  readonly kind: string;
  readonly mode: string;
  readonly status: string;
  readonly scanned: number;
  readonly total: number;
  readonly costUsd: number | null;
  readonly startedAt: Date;
}

export const AGE_BUCKETS = ['< 1 h', '1–24 h', '1–3 d', '> 3 d'] as const;

export interface DashboardData {
  readonly runs: readonly DashboardRun[];
  readonly stats: StatsReport;
  readonly advice: AutonomyAdvice;
  /** Proposals by confidence bucket, per field and overall ('*'). */
  readonly confidence: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Pending proposals by age bucket. */
  readonly pendingAge: ReadonlyMap<string, number>;
  readonly generatedAt: Date;
}

const RUNS_SHOWN = 30;

function ageBucket(seconds: number): (typeof AGE_BUCKETS)[number] {
  if (seconds < 3600) return '< 1 h';
  if (seconds < 86_400) return '1–24 h';
  if (seconds < 3 * 86_400) return '1–3 d';
  return '> 3 d';
}

/** Everything the page shows, read at request time. */
export async function collectDashboard(db: Db, policy: Policy, now: Date): Promise<DashboardData> {
  const [runRows, confidenceRows, pendingRows, stats] = await Promise.all([
    db.execute(sql`select id, kind, mode, status, scanned, total, usage, model, started_at
      from runs order by started_at desc limit ${RUNS_SHOWN}`),
    db.execute(sql`select field, least(floor(confidence * 10), 9)::int as bucket, count(*)::int as n
      from proposals group by 1, 2`),
    db.execute(sql`select extract(epoch from ${now.toISOString()}::timestamptz - created_at)::float8 as age
      from proposals where status = 'pending'`),
    collectStats(db, policy, null),
  ]);
  const runs = rowsOf(runRows)
    .map((r) => ({
      id: String(r.id),
      kind: String(r.kind),
      mode: String(r.mode),
      status: String(r.status),
      scanned: Number(r.scanned),
      total: Number(r.total),
      costUsd: estimateCost(
        { ...emptyUsage(), ...(r.usage as Partial<ModelUsage>) },
        String(r.model),
        r.kind === 'extract_batch',
      ),
      startedAt: new Date(String(r.started_at)),
    }))
    .reverse();
  const confidence = new Map<string, Map<string, number>>();
  for (const r of rowsOf(confidenceRows)) {
    const label = bucketLabel(Number(r.bucket));
    for (const field of [String(r.field), '*']) {
      const m = confidence.get(field) ?? new Map(BUCKET_LABELS.map((b) => [b, 0]));
      m.set(label, (m.get(label) ?? 0) + Number(r.n));
      confidence.set(field, m);
    }
  }
  const pendingAge = new Map<string, number>(AGE_BUCKETS.map((b) => [b, 0]));
  for (const r of rowsOf(pendingRows)) {
    const b = ageBucket(Number(r.age));
    pendingAge.set(b, (pendingAge.get(b) ?? 0) + 1);
  }
  return {
    runs,
    stats,
    advice: adviseAutonomy(stats, policy),
    confidence,
    pendingAge,
    generatedAt: now,
  };
}
