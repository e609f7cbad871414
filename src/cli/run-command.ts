import { hostname } from 'node:os';
import { type AppContext, createBatchExtractor, createExtractor } from '../app-context.js';
import { processNotifier } from '../app-process.js';
import { type Config, requireSettings } from '../config.js';
import { advisoryDealLocks } from '../db/deal-locks.js';
import type { RunSummary } from '../domain/run-summary.js';
import { secondOpinionFromConfig } from '../extraction/second-opinion-from-config.js';
import { announceOverturns } from '../jobs/announce-overturns.js';
import type { Logger } from '../logger.js';
import { loadPolicy } from '../policy-file.js';
import { createOverturnWatch } from '../services/overturn-watch.js';
import type { Notifier } from '../services/ports/notifier.js';
import { publishRun, storedSummary } from '../services/publish-run.js';
import { runBatchExtraction } from '../services/run-batch-extraction.js';
import { runExtraction } from '../services/run-extraction.js';
import { processLease } from '../services/run-lifecycle.js';
import type { RunProgress } from '../services/run-state.js';

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
  /** A terminal's progress bar: deals scanned, or with --batch, results collected. */
  onProgress?: (p: RunProgress) => void,
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
    lease: processLease(config.SCOUT_RUN_LEASE_SECONDS * 1000),
    pageSize: config.SCOUT_RUN_PAGE_SIZE,
    watchOverturns: createOverturnWatch(app.stores.overturns, logger),
    ...(onProgress ? { onProgress } : {}),
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
        batchStore: app.stores.batches,
        collector: `${hostname()}:${process.pid}`,
        pollMs: config.SCOUT_BATCH_POLL_SECONDS * 1000,
      },
      options,
    );
  }
  if (!('extractor' in prepared) || !prepared.extractor) throw new Error('no extractor prepared');
  return runExtraction(
    {
      ...deps,
      extractor: prepared.extractor,
      concurrency: config.SCOUT_EXTRACT_CONCURRENCY,
    },
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
  const notifier = processNotifier(app, policy);
  if (!notifier) return null;
  try {
    const { posted, unrouted } = await notifier.postProposals(summary.run_id);
    const offered = (await notifier.postSuggestions?.(summary.run_id))?.posted ?? 0;
    await notifier.postNotices?.(summary.run_id);
    await notifier.postWriteNotices?.(summary.run_id);
    await notifier.postRunSummary(summary);
    await publishInterrupted(app, notifier, logger);
    await announceOverturns({ db: app.database.db, policy, notifier, logger });
    return `slack: ${posted} approval card${posted === 1 ? '' : 's'} posted${offered > 0 ? `; ${offered} suggestion message${offered === 1 ? '' : 's'} for empty rep fields` : ''}${unrouted.length > 0 ? `; no Slack owner or SCOUT_APPROVALS_CHANNEL for ${unrouted.join(', ')}` : ''}${config.SCOUT_OPS_CHANNEL ? `; summary posted to ${config.SCOUT_OPS_CHANNEL}` : ''}`;
  } catch (error) {
    return `slack: posting failed (${(error as Error).message}); the run itself is complete and logged`;
  }
}

/**
 * Runs this run found interrupted (their process died) get their loud summary posted here
 * too, so a CLI-only deployment hears of them; `serve` and the worker post them otherwise.
 */
async function publishInterrupted(app: AppContext, notifier: Notifier, logger: Logger) {
  const { runs } = app.stores;
  for (const run of await runs.unposted(app.clock()))
    if (run.status === 'interrupted')
      await publishRun({ runs, notifier, logger, clock: app.clock }, storedSummary(run));
}
