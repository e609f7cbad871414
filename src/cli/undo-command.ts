import type { AppContext } from '../app-context.js';
import { processNotifier, undoDeps } from '../app-process.js';
import type { Config } from '../config.js';
import { ScoutError } from '../errors.js';
import { loadPolicy } from '../policy-file.js';
import { viewProposals } from '../services/proposal-view.js';
import { type UndoProgress, type UndoSummary, undoChanges } from '../services/undo-run.js';

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
  opts: UndoCommandOptions,
  /** A terminal's progress bar. */
  onProgress?: (p: UndoProgress) => void,
): Promise<{ summary: UndoSummary; slack: string | null }> {
  const target = undoTarget(opts);
  const deps = undoDeps(app);
  const { summary, expired } = await undoChanges(onProgress ? { ...deps, onProgress } : deps, {
    target,
    apply: opts.apply,
    actor: 'cli',
  });
  if (!config.SLACK_BOT_TOKEN) return { summary, slack: null };
  const policy = loadPolicy(config);
  const notifier = processNotifier(app, policy);
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
