import { CronExpressionParser } from 'cron-parser';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { collectDigest } from '../db/digest-query.js';
import { rowsOf } from '../db/field-stats-query.js';
import type { Policy } from '../domain/policy.js';
import type { Logger } from '../logger.js';
import type { Notifier } from '../services/ports/notifier.js';
import { digestMessage } from '../slack/blocks/digest-message.js';

export const DEFAULT_DIGEST_CRON = '0 9 * * 1';
const CLAIM_KEY = 'weekly_digest';

export interface DigestScheduleDeps {
  readonly db: Db;
  readonly policy: Policy;
  readonly notifier: Pick<Notifier, 'postOpsMessage'> | null;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** When the digest is due (cron, UTC): SCOUT_DIGEST_CRON, Mondays at 09:00 by default. */
  readonly cron?: string;
}

/**
 * Called on every tick of the worker: posts the digest once per due time, whichever
 * worker gets there first. The claim is a `control` row holding the last due time
 * posted, moved forward by one conditional upsert, so restarts and other workers never
 * post it twice. A fresh install starts counting from its first tick (no backlog), and
 * a failed post gives the claim back for the next tick.
 */
export async function postDigestIfDue(deps: DigestScheduleDeps): Promise<boolean> {
  const post = deps.notifier?.postOpsMessage?.bind(deps.notifier);
  if (!post) return false;
  const now = deps.clock();
  const due = CronExpressionParser.parse(deps.cron ?? DEFAULT_DIGEST_CRON, {
    currentDate: now,
    tz: 'UTC',
  })
    .prev()
    .toDate();
  const claim = rowsOf(
    await deps.db.execute(sql`
      with previous as (select value->>'due' as due from control where key = ${CLAIM_KEY})
      insert into control (key, value, updated_by)
      values (${CLAIM_KEY}, ${JSON.stringify({ due: due.toISOString() })}::jsonb, 'worker')
      on conflict (key) do update set value = excluded.value, updated_at = now()
        where (control.value->>'due')::timestamptz < ${due.toISOString()}::timestamptz
      returning (select due from previous) as previous`),
  );
  // Nothing returned: already posted for this due time. No previous row: a first tick.
  if (claim.length === 0 || claim[0]?.previous === null) return false;
  try {
    // Without SCOUT_OPS_CHANNEL there is nowhere to post: the due time passes quietly.
    return await post(digestMessage(await collectDigest(deps.db, deps.policy, due)));
  } catch (error) {
    await deps.db.execute(sql`
      update control set value = ${JSON.stringify({ due: claim[0]?.previous })}::jsonb
      where key = ${CLAIM_KEY}`);
    deps.logger.warn(
      { err: (error as Error).message },
      'posting the weekly digest failed; the next tick tries again',
    );
    return false;
  }
}
