import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/field-stats-query.js';
import { autonomyAnnouncements } from '../db/schema.js';
import { adviseAutonomy, describeAdvice } from '../domain/autonomy-advice.js';
import { buildStats } from '../domain/field-stats.js';
import type { Policy } from '../domain/policy.js';
import type { Logger } from '../logger.js';
import type { Notifier } from '../services/ports/notifier.js';

export interface AnnounceDeps {
  readonly db: Db;
  readonly policy: Policy;
  readonly notifier: Pick<Notifier, 'postOpsAlert'> | null;
  readonly logger: Logger;
}

/**
 * After a run: an `auto` field whose overturn rate crossed the bound is announced in
 * the ops channel with the demotion advice (docs/guarantees.md#g26), once per field. The claim is a
 * row in `autonomy_announcements`, so "once" holds across processes and restarts; a
 * failed post gives the claim back for the next run to try. Returns the fields announced.
 */
export async function announceOverturns(deps: AnnounceDeps): Promise<string[]> {
  try {
    return await announce(deps);
  } catch (error) {
    deps.logger.warn(
      { err: (error as Error).message },
      'checking auto fields for overturns failed; the next run tries again',
    );
    return [];
  }
}

async function announce(deps: AnnounceDeps): Promise<string[]> {
  if (!deps.notifier) return [];
  const auto = [...deps.policy.dealFields.values()].filter((f) => f.write === 'auto');
  if (auto.length === 0) return [];
  const counted = rowsOf(
    await deps.db.execute(sql`
      select field, action, count(*)::int as n from provenance
      where action in ('written', 'applied', 'overturned') and not dry_run
        and field in (${sql.join(
          auto.map((f) => sql`${f.name}`),
          sql`, `,
        )})
      group by field, action`),
  );
  const stats = buildStats(
    counted.map((r) => ({
      field: String(r.field),
      kind: r.action === 'written' ? 'auto_written' : String(r.action),
      reason: null,
      bucket: null,
      n: Number(r.n),
      medianWaitSeconds: null,
    })),
    { since: null, fields: [] },
  );
  const demotions = adviseAutonomy(stats, deps.policy).advice.filter(
    (a) => a.kind === 'demote' && a.from === 'auto',
  );
  const announced: string[] = [];
  for (const a of demotions) {
    const claimed = await deps.db
      .insert(autonomyAnnouncements)
      .values({ field: a.field, overturned: a.evidence.successes, autoWrites: a.evidence.trials })
      .onConflictDoNothing()
      .returning({ field: autonomyAnnouncements.field });
    if (claimed.length === 0) continue;
    try {
      await deps.notifier.postOpsAlert(
        `Reps are overturning Scout's automatic ${a.field} values. ${describeAdvice(a)}. Advice: ${a.why}. Scout changes nothing by itself: run \`scout autonomy\` for the policy diff.`,
      );
      announced.push(a.field);
    } catch (error) {
      await deps.db.execute(sql`delete from autonomy_announcements where field = ${a.field}`);
      deps.logger.warn(
        { field: a.field, err: (error as Error).message },
        'announcing an overturned auto field failed; the next run tries again',
      );
    }
  }
  return announced;
}
