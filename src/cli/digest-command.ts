import type { AppContext } from '../app-context.js';
import { collectDigest } from '../db/digest-query.js';
import { createProposalStore } from '../db/proposal-store.js';
import { formatDigest } from '../domain/digest.js';
import type { Policy } from '../domain/policy.js';
import { ScoutError } from '../errors.js';
import { digestMessage } from '../slack/blocks/digest-message.js';
import { notifierFromConfig } from '../slack/notifier-from-config.js';

/**
 * `scout digest`: the week up to now, printed; with `--post`, posted to the ops channel
 * as the worker posts it every week.
 */
export async function executeDigest(
  app: AppContext,
  policy: Policy,
  opts: { post: boolean },
): Promise<string> {
  const digest = await collectDigest(app.database.db, policy, app.clock());
  if (!opts.post) return formatDigest(digest);
  const notifier = notifierFromConfig(app.config, {
    proposals: createProposalStore(app.database.db),
    crm: app.crm,
    policy,
    logger: app.logger,
  });
  if (!notifier?.postOpsMessage || !app.config.SCOUT_OPS_CHANNEL)
    throw new ScoutError(
      'usage',
      'scout digest --post needs SLACK_BOT_TOKEN and SCOUT_OPS_CHANNEL to know where to post',
    );
  await notifier.postOpsMessage(digestMessage(digest));
  return `${formatDigest(digest)}\n\nposted to ${app.config.SCOUT_OPS_CHANNEL}`;
}
