import type { Command } from 'commander';
import { DEFAULT_DEMO_DIR, DEFAULT_DEMO_PORT } from '../../demo/demo-files.js';
import { type CliContext, listenForStop, port, untilSignal } from '../cli-context.js';
import type { DemoCommandOptions } from '../demo-command.js';

// `scout serve`, `worker` and `demo`: the long-running processes, each stopped by a signal.
// Each loads its implementation when it runs, so one command does not pay for the others.

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description(
      'the Slack app on /slack/events (with SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET) and /healthz, on PORT',
    )
    .action(async () => {
      const { startServe } = await import('../serve-command.js');
      await ctx.withApp(async (app) => {
        const serving = await startServe(app);
        ctx.io.stdout(
          `scout serving on port ${serving.server.port} (POST /slack/events, GET /healthz, GET /metrics, /dashboard)\n`,
        );
        await untilSignal();
        await serving.stop();
      });
    });
}

export function registerWorker(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description(
      'the background worker: scheduled runs (SCOUT_SCHEDULES), deal jobs and approved changes, on BullMQ (REDIS_URL) or inline',
    )
    .action(async () => {
      const { config } = ctx.boot();
      const { startWorker } = await import('../worker-command.js');
      await ctx.withApp(async (app) => {
        const worker = await startWorker(app);
        ctx.io.stdout(
          `scout worker running (${worker.mode === 'bullmq' ? 'BullMQ on REDIS_URL' : 'inline: no REDIS_URL, embedded mode'}; schedules: ${worker.schedules.join(', ') || 'none'})\n`,
        );
        await untilSignal();
        const { drained } = await worker.runtime.stop(config.SCOUT_SHUTDOWN_SECONDS * 1000);
        await worker.metricsServer?.close();
        ctx.io.stdout(
          drained
            ? 'worker stopped\n'
            : 'worker stopped at the shutdown deadline; its unfinished jobs will be retried\n',
        );
      });
    });
}

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'the whole product on this machine: embedded Postgres, inline jobs, a sample pipeline and a Slack sandbox in the browser',
    )
    .option(
      '--check',
      'run the whole demo flow headless in a fresh temporary directory, then exit',
      false,
    )
    .option('--fresh', 'start over: delete the demo database in the data directory first', false)
    .option('--apply', 'make the first run live instead of a dry run', false)
    .option('--dump', 'print the demo CRM like `scout crm dump` (while no demo runs)', false)
    .option('--data-dir <dir>', 'where the demo keeps its data', DEFAULT_DEMO_DIR)
    .option('--port <n>', 'the sandbox port (0: any free port)', port, DEFAULT_DEMO_PORT)
    .action(async (opts: DemoCommandOptions) => {
      const { config, logger } = ctx.boot();
      const { demoCommand } = await import('../demo-command.js');
      await demoCommand(opts, config, logger, ctx.io, listenForStop);
    });
}
