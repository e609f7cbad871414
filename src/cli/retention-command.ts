import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { type PurgeCounts, purgeQuotes } from '../db/retention.js';
import { ScoutError } from '../errors.js';

export interface PurgeReport extends PurgeCounts {
  readonly mode: 'purged' | 'dry_run';
  readonly older_than_days: number;
  readonly cutoff: string;
}

/** `scout purge`: clears quotes older than N days (`--older-than-days`, else SCOUT_RETENTION_DAYS). */
export async function executePurge(
  db: Db,
  config: Config,
  opts: { olderThanDays?: number; apply: boolean },
  now: Date,
): Promise<PurgeReport> {
  const days = opts.olderThanDays ?? config.SCOUT_RETENTION_DAYS;
  if (days === undefined)
    throw new ScoutError(
      'usage',
      'scout purge needs --older-than-days N (or SCOUT_RETENTION_DAYS) to know which quotes to clear',
    );
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const counts = await purgeQuotes(db, days, now, opts.apply);
  return {
    mode: opts.apply ? 'purged' : 'dry_run',
    older_than_days: days,
    cutoff: cutoff.toISOString(),
    ...counts,
  };
}

export function formatPurge(r: PurgeReport): string {
  const what = `${r.provenance} quote${r.provenance === 1 ? '' : 's'} in the provenance log and ${r.proposals} in decided proposals, logged before ${r.cutoff} (older than ${r.older_than_days} days)`;
  return r.mode === 'purged'
    ? `PURGED: cleared ${what}.\nTheir hashes are kept: \`scout log --verify\` still passes.`
    : `DRY RUN — nothing was purged\nwould clear ${what}; run again with --apply to clear them.`;
}
