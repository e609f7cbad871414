import { sql } from 'drizzle-orm';
import type { StatsAggregateRow } from '../domain/field-stats.js';
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
 * The whole of `scout stats` in one pass over the log (SPEC G26): rows grouped by field,
 * what they count as, the rejection reason and the confidence bucket, plus one roll-up
 * per field carrying the median wait from proposal to decision. One scan and one sort,
 * so a log of a million rows aggregates in well under two seconds (bench/stats.ts).
 */
export async function fieldStatsAggregate(
  db: Db,
  since: Date | null,
): Promise<StatsAggregateRow[]> {
  const decision = sql`p.action in ('approved', 'edited', 'rejected')`;
  const result = await db.execute(sql`
    select field, kind, reason, bucket, count(*)::int as n,
      percentile_cont(0.5) within group (order by wait_s) as median_wait_s,
      grouping(kind) as rollup
    from (
      select
        case when p.field like 'scout\\_%' then substr(p.field, 7) else p.field end as field,
        case when p.action = 'written' then
          case when p.field like 'scout\\_%' then 'suggested' else 'auto_written' end
        else p.action end as kind,
        case when p.action = 'rejected' then coalesce(nullif(btrim(p.reason), ''), 'no reason') end as reason,
        case when ${decision} and p.confidence is not null
          then least(floor(p.confidence * 10), 9)::int end as bucket,
        case when ${decision} then extract(epoch from p.created_at - q.created_at)::float8 end as wait_s
      from provenance p
      left join proposals q on q.id = p.proposal_id and ${decision}
      where p.action in (${sql.join(
        COUNTED.map((a) => sql`${a}`),
        sql`, `,
      )})
        and p.field not like '(%'
        ${since ? sql`and p.created_at >= ${since.toISOString()}::timestamptz` : sql``}
    ) r
    group by grouping sets ((field, kind, reason, bucket), (field))
  `);
  return rowsOf(result).map((r) => ({
    field: String(r.field),
    kind: Number(r.rollup) === 1 ? null : String(r.kind),
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
