import { sql } from 'drizzle-orm';
import { adviseAutonomy } from '../domain/autonomy-advice.js';
import type { Digest } from '../domain/digest.js';
import { fieldLabel } from '../domain/for-people.js';
import { estimateCost } from '../domain/model-pricing.js';
import type { Policy } from '../domain/policy.js';
import { emptyUsage, type ModelUsage } from '../domain/run-summary.js';
import type { Db } from './client.js';
import { collectStats, rowsOf } from './field-stats-query.js';

const WEEK_MS = 7 * 86_400_000;

/** The digest of the week before `until`: runs, coverage, changes by field, spend and advice. */
export async function collectDigest(db: Db, policy: Policy, until: Date): Promise<Digest> {
  const since = new Date(until.getTime() - WEEK_MS);
  const [week, everything, runs] = await Promise.all([
    collectStats(db, policy, since),
    collectStats(db, policy, null),
    db.execute(sql`
      select kind, mode, status, requested_apply, scanned, total, usage, model, finished_at
      from runs where started_at >= ${since.toISOString()}::timestamptz
        and started_at < ${until.toISOString()}::timestamptz
      order by finished_at desc nulls last`),
  ]);
  const rows = rowsOf(runs);
  let costUsd = 0;
  for (const r of rows) {
    const usage = { ...emptyUsage(), ...(r.usage as Partial<ModelUsage>) };
    costUsd += estimateCost(usage, String(r.model), r.kind === 'extract_batch') ?? 0;
  }
  const newest = rows.find((r) => r.finished_at !== null && String(r.kind).startsWith('extract'));
  return {
    since,
    until,
    runs: {
      total: rows.length,
      live: rows.filter((r) => r.mode === 'live').length,
      dry: rows.filter((r) => r.mode !== 'live').length,
      dryDespiteApply: rows.filter((r) => r.mode !== 'live' && r.requested_apply === true).length,
      failed: rows.filter((r) => r.status === 'failed').length,
    },
    coverage: newest ? { scanned: Number(newest.scanned), total: Number(newest.total) } : null,
    fields: week.fields,
    labels: Object.fromEntries(
      [...week.fields, ...everything.fields].map((f) => [
        f.field,
        fieldLabel(f.field, policy.dealFields.get(f.field)?.label, null),
      ]),
    ),
    costUsd,
    // Advice reads the whole log: a week is rarely enough evidence on its own.
    advice: adviseAutonomy(everything, policy),
  };
}
