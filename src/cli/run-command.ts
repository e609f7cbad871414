import { hostname } from 'node:os';
import {
  type AppContext,
  createBatchExtractor,
  createExtractor,
  loadPolicy,
} from '../app-context.js';
import { type Config, requireSettings } from '../config.js';
import { createBatchStore } from '../db/batch-store.js';
import { advisoryDealLocks } from '../db/deal-locks.js';
import { createProposalStore } from '../db/proposal-store.js';
import type { RunSummary } from '../domain/run-summary.js';
import { secondOpinionFromConfig } from '../extraction/second-opinion-from-config.js';
import type { Logger } from '../logger.js';
import { runBatchExtraction } from '../services/run-batch-extraction.js';
import { runExtraction } from '../services/run-extraction.js';
import { notifierFromConfig } from '../slack/notifier-from-config.js';

export interface RunCommandOptions {
  apply: boolean;
  deal: string[];
  limit?: number;
  rescan: boolean;
  batch: boolean;
}

/** Checks everything a run needs before touching the database, so bad input writes nothing. */
export function prepareRun(config: Config, opts: RunCommandOptions) {
  requireSettings(config, ['database', 'crm', 'extractor']);
  const policy = loadPolicy(config);
  const model = opts.batch
    ? { batches: createBatchExtractor(config) }
    : { extractor: createExtractor(config) };
  const secondOpinion = secondOpinionFromConfig(config);
  return { policy, ...model, ...(secondOpinion ? { secondOpinion } : {}) };
}

/** `scout run`: one pass, through the Messages API or (with `--batch`) a Message Batch. */
export async function executeRun(
  app: AppContext,
  config: Config,
  logger: Logger,
  prepared: ReturnType<typeof prepareRun>,
  opts: RunCommandOptions,
): Promise<RunSummary> {
  const deps = {
    crm: app.crm,
    ledger: app.ledger,
    policy: prepared.policy,
    liveWrites: config.LIVE_WRITES,
    clock: app.clock,
    newId: app.newId,
    logger,
    withDealLocks: advisoryDealLocks(app.database.db),
    ...(prepared.secondOpinion ? { secondOpinion: prepared.secondOpinion } : {}),
  };
  const options = {
    apply: opts.apply,
    dealIds: opts.deal,
    limit: opts.limit ?? null,
    rescan: opts.rescan,
  };
  if ('batches' in prepared && prepared.batches) {
    return runBatchExtraction(
      {
        ...deps,
        batches: prepared.batches,
        batchStore: createBatchStore(app.database.db),
        collector: `${hostname()}:${process.pid}`,
        pollMs: config.SCOUT_BATCH_POLL_SECONDS * 1000,
      },
      options,
    );
  }
  if (!('extractor' in prepared) || !prepared.extractor) throw new Error('no extractor prepared');
  return runExtraction(
    { ...deps, extractor: prepared.extractor, concurrency: config.SCOUT_EXTRACT_CONCURRENCY },
    options,
  );
}

/**
 * With SLACK_BOT_TOKEN set, a run posts its proposals as approval cards (in each owner's
 * DM, or SCOUT_APPROVALS_CHANNEL) and its summary to SCOUT_OPS_CHANNEL. The run itself is
 * already committed: a Slack failure is reported, not fatal.
 */
export async function notifySlack(
  app: AppContext,
  config: Config,
  logger: Logger,
  policy: ReturnType<typeof loadPolicy>,
  summary: RunSummary,
): Promise<string | null> {
  const notifier = notifierFromConfig(config, {
    proposals: createProposalStore(app.database.db),
    crm: app.crm,
    policy,
    logger,
  });
  if (!notifier) return null;
  try {
    const { posted, unrouted } = await notifier.postProposals(summary.run_id);
    await notifier.postRunSummary(summary);
    return `slack: ${posted} approval card${posted === 1 ? '' : 's'} posted${unrouted.length > 0 ? `; no Slack owner or SCOUT_APPROVALS_CHANNEL for ${unrouted.join(', ')}` : ''}${config.SCOUT_OPS_CHANNEL ? `; summary posted to ${config.SCOUT_OPS_CHANNEL}` : ''}`;
  } catch (error) {
    return `slack: posting failed (${(error as Error).message}); the run itself is complete and logged`;
  }
}
