import type { Command } from 'commander';
import { formatRunSummary } from '../../domain/run-summary.js';
import { type CliContext, collect, positiveInt } from '../cli-context.js';
import type { RunCommandOptions } from '../run-command.js';
import type { UndoCommandOptions } from '../undo-command.js';

// `scout run` and `scout undo`: the commands that write to the CRM (behind the write gates).

/** Progress only on a terminal, never with --json: scripts see exactly what they saw. */
function showProgress(opts: { json: boolean }): boolean {
  return !opts.json && process.stderr.isTTY === true;
}

export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('one extraction pass now; a dry run unless --apply AND LIVE_WRITES=1')
    .option('--apply', 'ask for live writes (LIVE_WRITES=1 must also be set)', false)
    .option('--deal <id>', 'only this deal (repeatable)', collect, [] as string[])
    .option('--limit <n>', 'scan at most n deals (default: every deal)', positiveInt)
    .option('--rescan', 'ignore note watermarks and re-read every note', false)
    .option(
      '--batch',
      'send the model calls as one Message Batch (half price, answers within 24 h); re-run to resume collecting',
      false,
    )
    .option('--json', 'print the run summary as JSON', false)
    .action(async (opts: RunCommandOptions & { json: boolean }) => {
      const { executeRun, notifySlack, prepareRun } = await import('../run-command.js');
      const { createRunProgress } = await import('../run-progress.js');
      const { config, logger } = ctx.boot();
      const prepared = prepareRun(config, opts);
      const progress = showProgress(opts)
        ? createRunProgress(process.stderr, { batch: opts.batch })
        : null;
      const { summary, slack } = await ctx.withApp(async (app) => {
        let summary: Awaited<ReturnType<typeof executeRun>>;
        try {
          summary = await executeRun(app, config, logger, prepared, opts, progress?.onProgress);
        } finally {
          progress?.stop();
        }
        return { summary, slack: await notifySlack(app, config, logger, prepared.policy, summary) };
      });
      ctx.io.stdout(
        opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatRunSummary(summary)}\n`,
      );
      if (slack) ctx.io.stderr(`${slack}\n`);
    });
}

export function registerUndo(program: Command, ctx: CliContext): void {
  program
    .command('undo')
    .description(
      'revert a whole run or one change from the recorded previous values; a dry run unless --apply AND LIVE_WRITES=1',
    )
    .option('--run <id>', 'undo every live change of this run')
    .option(
      '--change <id>',
      'undo one change (a written or applied row id from scout log)',
      positiveInt,
    )
    .option('--apply', 'ask for live writes (LIVE_WRITES=1 must also be set)', false)
    .option('--json', 'print the undo run summary as JSON', false)
    .action(async (opts: UndoCommandOptions) => {
      const { executeUndo, undoTarget } = await import('../undo-command.js');
      const { createUndoProgress } = await import('../run-progress.js');
      const { config } = ctx.boot();
      undoTarget(opts);
      const progress = showProgress(opts) ? createUndoProgress(process.stderr) : null;
      const { summary, slack } = await ctx.withApp(async (app) => {
        try {
          return await executeUndo(app, config, opts, progress?.onProgress);
        } finally {
          progress?.stop();
        }
      });
      ctx.io.stdout(
        opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatRunSummary(summary)}\n`,
      );
      if (slack) ctx.io.stderr(`${slack}\n`);
    });
}
