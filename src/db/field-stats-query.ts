import { sql } from 'drizzle-orm';
import { buildStats, type StatsAggregateRow, type StatsReport } from '../domain/field-stats.js';
import type { Policy } from '../domain/policy.js';
import { REJECT_REASONS } from '../domain/rejection-memory.js';
import type { Db } from './client.js';

/** Provenance actions the statistics read; every other row is skipped by the scan's filter. */
const COUNTED = [
  'proposed',
  'approved',
  'edited',
  'rejected',
  'expired',
  'stale',
  'promoted',
  'overturned',
  'written',
  'applied',
];

/**
 * The whole of `scout stats` in one statement (docs/guarantees.md#g26): provenance rows counted by
 * field, what they count as, the rejection reason and the confidence bucket (one scan,
 * hashed, no sort), and beside them, per field, the median wait from proposal to a
 * person's decision (from the smaller proposals table). A log of a million rows
 * aggregates in well under two seconds (bench/stats.ts). JIT compilation costs more than
 * it saves on a query this short, and the median's sort fits in memory with a little more.
 */
export async function fieldStatsAggregate(
  db: Db,
  since: Date | null,
): Promise<StatsAggregateRow[]> {
  const decision = sql`p.action in ('approved', 'edited', 'rejected')`;
  // docs/guarantees.md#g24: the reason a person chose after Reject lives on the proposal, as a code.
  const reasonLabel = sql`case pr.reject_reason ${sql.join(
    REJECT_REASONS.map((r) => sql`when ${r.code} then ${r.label}`),
    sql` `,
  )} end`;
  const from = since ? since.toISOString() : null;
  const result = await db.transaction(async (tx) => {
    await tx.execute(sql`set local jit = off`);
    await tx.execute(sql`set local work_mem = '64MB'`);
    return tx.execute(sql`
      select field, kind, reason, bucket, count(*)::int as n, null::float8 as median_wait_s
      from (
        select
          case when p.field like 'scout\_%' then substr(p.field, 7) else p.field end as field,
          case when p.action = 'written' then
            case when p.field like 'scout\_%' then 'suggested' else 'auto_written' end
          else p.action end as kind,
          case when p.action = 'rejected' then coalesce(${reasonLabel}, nullif(btrim(p.reason), ''), 'no reason') end as reason,
          case when ${decision} and p.confidence is not null
            then least(floor(p.confidence * 10), 9)::int end as bucket
        from provenance p
        left join proposals pr on p.action = 'rejected' and pr.id = p.proposal_id
        where p.action in (${sql.join(
          COUNTED.map((a) => sql`${a}`),
          sql`, `,
        )})
          and p.field not like '(%'
          ${from ? sql`and p.created_at >= ${from}::timestamptz` : sql``}
      ) r
      group by 1, 2, 3, 4
      union all
      select field collate "C", null, null, null, count(*)::int,
        percentile_cont(0.5) within group (order by extract(epoch from decided_at - created_at)::float8)
      from proposals
      where decided_at is not null
        ${from ? sql`and decided_at >= ${from}::timestamptz` : sql``}
      group by 1
    `);
  });
  return rowsOf(result).map((r) => ({
    field: String(r.field),
    kind: r.kind === null ? null : String(r.kind),
    reason: r.reason === null ? null : String(r.reason),
    bucket: r.bucket === null ? null : Number(r.bucket),
    n: Number(r.n),
    medianWaitSeconds: r.median_wait_s === null ? null : Number(r.median_wait_s),
  }));
}

/** postgres.js returns the rows themselves; PGlite wraps them in `{ rows }`. */
export function rowsOf(result: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(result)) return result as Array<Record<string, unknown>>;
  return ((result as { rows?: unknown[] }).rows ?? []) as Array<Record<string, unknown>>;
}

/** The statistics of every field in the policy and the log, since a moment or from the start. */
export async function collectStats(
  db: Db,
  policy: Policy,
  since: Date | null,
): Promise<StatsReport> {
  return buildStats(await fieldStatsAggregate(db, since), {
    since,
    fields: [...policy.dealFields.keys()],
  });
}
