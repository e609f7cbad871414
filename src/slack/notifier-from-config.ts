import type { Config } from '../config.js';
import type { Policy } from '../domain/policy.js';
import type { Logger } from '../logger.js';
import type { CrmReader } from '../services/ports/crm.js';
import type { Notifier } from '../services/ports/notifier.js';
import type { ProposalStore } from '../services/ports/proposal-store.js';
import type { RunDigestReader } from '../services/ports/run-digest.js';
import type { SuggestionStore } from '../services/ports/suggestion-store.js';
import type { WriteNoticeStore } from '../services/ports/write-notice-store.js';
import { LimitedWebClient, type SlackLimits } from './limited-client.js';
import { createNotifier } from './notifier.js';

/** The notifier for processes that post but do not serve Slack (CLI runs, the worker); null without a bot token. */
export function notifierFromConfig(
  config: Config,
  deps: {
    proposals: ProposalStore;
    crm: CrmReader;
    policy: Policy;
    logger: Logger;
    /** The process's Slack limits, shared with its Slack app and, through Redis, other processes. */
    limits: SlackLimits;
    /** Posts run suggestions for promotion (docs/guarantees.md#g23) when given. */
    suggestions?: SuggestionStore;
    /** Tells owners what a live run wrote without a person (issue 18) when given. */
    writeNotices?: WriteNoticeStore;
    /** Names the run summary's changed deals and people with cards. */
    runDigest?: RunDigestReader;
  },
): Notifier | null {
  if (!config.SLACK_BOT_TOKEN) return null;
  const { limits, ...rest } = deps;
  return createNotifier({
    client: new LimitedWebClient(config.SLACK_BOT_TOKEN, limits, {
      ...(config.SLACK_API_URL
        ? { slackApiUrl: `${config.SLACK_API_URL.replace(/\/$/, '')}/` }
        : {}),
      // Bounded, so a Slack outage delays a job by a minute, not half an hour.
      retryConfig: { retries: 3, factor: 2, minTimeout: 1000 },
      timeout: 10_000,
    }),
    ...rest,
    ...(config.SCOUT_OPS_CHANNEL ? { opsChannel: config.SCOUT_OPS_CHANNEL } : {}),
    ...(config.SCOUT_APPROVALS_CHANNEL ? { approvalsChannel: config.SCOUT_APPROVALS_CHANNEL } : {}),
  });
}
