import type { AppContext } from '../app-context.js';
import { loadPolicy } from '../app-context.js';
import type { Config } from '../config.js';
import { createProposalStore } from '../db/proposal-store.js';
import { createUndoStore } from '../db/undo-store.js';
import { ScoutError } from '../errors.js';
import type { Logger } from '../logger.js';
import { viewProposals } from '../services/proposal-view.js';
import { processLease } from '../services/run-lifecycle.js';
import { type UndoSummary, undoChanges } from '../services/undo-run.js';
import type { SlackUndoDeps } from '../slack/listeners/undo-button.js';
import { notifierFromConfig } from '../slack/notifier-from-config.js';

export interface UndoCommandOptions {
  run?: string;
  change?: number;
  apply: boolean;
  json: boolean;
}

/** Exactly one target: a run or a change. */
export function undoTarget(opts: UndoCommandOptions): { run_id: string } | { change_id: number } {
  if ((opts.run === undefined) === (opts.change === undefined))
    throw new ScoutError('usage', 'scout undo needs exactly one of --run RUN_ID or --change ID');
  return opts.run !== undefined ? { run_id: opts.run } : { change_id: opts.change as number };
}

/**
 * `scout undo`: the undo run, then (with SLACK_BOT_TOKEN) the expired proposals' cards
 * lose their buttons and the summary goes to the ops channel. The undo itself is
 * already committed: a Slack failure is reported, not fatal.
 */
export async function executeUndo(
  app: AppContext,
  config: Config,
  logger: Logger,
  opts: UndoCommandOptions,
): Promise<{ summary: UndoSummary; slack: string | null }> {
  const target = undoTarget(opts);
  const { summary, expired } = await undoChanges(
    {
      crm: app.crm,
      ledger: app.ledger,
      store: createUndoStore(app.database.db),
      liveWrites: config.LIVE_WRITES,
      clock: app.clock,
      newId: app.newId,
      logger,
      withDealLock: app.database.dealLock,
      lease: processLease(config.SCOUT_RUN_LEASE_SECONDS * 1000),
    },
    { target, apply: opts.apply, actor: 'cli' },
  );
  if (!config.SLACK_BOT_TOKEN) return { summary, slack: null };
  const policy = loadPolicy(config);
  const notifier = notifierFromConfig(config, {
    proposals: createProposalStore(app.database.db),
    crm: app.crm,
    policy,
    logger,
  });
  if (!notifier) return { summary, slack: null };
  try {
    for (const view of await viewProposals(app.crm, policy, expired))
      await notifier.refreshCard(view);
    await notifier.postRunSummary(summary);
    return {
      summary,
      slack: `slack: ${expired.length} card${expired.length === 1 ? '' : 's'} updated${config.SCOUT_OPS_CHANNEL ? `; summary posted to ${config.SCOUT_OPS_CHANNEL}` : ''}`,
    };
  } catch (error) {
    return {
      summary,
      slack: `slack: posting failed (${(error as Error).message}); the undo itself is complete and logged`,
    };
  }
}

/** The Undo button's wiring for `scout serve`: the same undo as the CLI, with the card's window. */
export function slackUndoDeps(app: AppContext): SlackUndoDeps {
  return {
    windowHours: app.config.SCOUT_UNDO_WINDOW_HOURS,
    undo: {
      crm: app.crm,
      ledger: app.ledger,
      store: createUndoStore(app.database.db),
      liveWrites: app.config.LIVE_WRITES,
      clock: app.clock,
      newId: app.newId,
      logger: app.logger,
      withDealLock: app.database.dealLock,
      lease: processLease(app.config.SCOUT_RUN_LEASE_SECONDS * 1000),
    },
  };
}
