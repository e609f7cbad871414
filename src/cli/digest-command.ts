import type { AppContext } from '../app-context.js';
import { processNotifier } from '../app-process.js';
import { collectDigest } from '../db/digest-query.js';
import { formatDigest } from '../domain/digest.js';
import type { Policy } from '../domain/policy.js';
import { ScoutError } from '../errors.js';
import { digestMessage } from '../slack/blocks/digest-message.js';

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
  const notifier = processNotifier(app, policy);
  if (!notifier?.postOpsMessage || !app.config.SCOUT_OPS_CHANNEL)
    throw new ScoutError(
      'usage',
      'scout digest --post needs SLACK_BOT_TOKEN and SCOUT_OPS_CHANNEL to know where to post',
    );
  await notifier.postOpsMessage(digestMessage(digest));
  return `${formatDigest(digest)}\n\nposted to ${app.config.SCOUT_OPS_CHANNEL}`;
}
