import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { type AppContext, loadPolicy, openApp } from './app-context.js';
import { adviseFromLog, autonomyJson, formatAutonomy } from './cli/autonomy-command.js';
import {
  DEFAULT_DEMO_PORT,
  type DemoCommandOptions,
  demoCommand,
  type StopSignal,
} from './cli/demo-command.js';
import { executeDigest } from './cli/digest-command.js';
import { parseActions } from './cli/log-filters.js';
import { type LogOptions, verifyLog } from './cli/log-verify.js';
import { type CliIo, show, table } from './cli/output.js';
import { formatPolicy, runPolicy } from './cli/policy-command.js';
import { executePurge, formatPurge } from './cli/retention-command.js';
import { executeRun, notifySlack, prepareRun, type RunCommandOptions } from './cli/run-command.js';
import { createRunProgress } from './cli/run-progress.js';
import { startServe } from './cli/serve-command.js';
import { formatStats, parseSince, statsJson } from './cli/stats-command.js';
import { executeUndo, type UndoCommandOptions, undoTarget } from './cli/undo-command.js';
import { startWorker } from './cli/worker-command.js';
import { type Config, loadConfig, requireSettings } from './config.js';
import { dumpLocalCrm, seedLocalCrm } from './crm/local-crm-admin.js';
import { collectStats } from './db/field-stats-query.js';
import { grantRuntimeRole, regrantRuntimeRoles } from './db/grant-runtime.js';
import { runMigrations } from './db/migrate.js';
import { readProvenance } from './db/provenance-reader.js';
import { DEFAULT_DEMO_DIR } from './demo/demo-files.js';
import { ACTIONS } from './domain/actions.js';
import { formatRunSummary } from './domain/run-summary.js';
import { ScoutError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from './policy-file.js';
import { setupFields } from './services/setup-fields.js';

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1)
    throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
};
const collect = (value: string, previous: string[]): string[] => [...previous, value];
const port = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535)
    throw new InvalidArgumentError('must be a port, 0 to 65535');
  return n;
};

/**
 * The `scout` command. Returns the exit code: 0 success, 1 runtime failure,
 * 2 bad usage or input.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let config: Config | undefined;
  let logger: Logger | undefined;
  const boot = () => {
    config ??= loadConfig(io.env);
    logger ??= createLogger(config.LOG_LEVEL);
    return { config, logger };
  };
  const withApp = async <T>(fn: (app: AppContext) => Promise<T>): Promise<T> => {
    const { config, logger } = boot();
    const app = await openApp(config, logger);
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  };

  const program = new Command('scout')
    .description(
      "Keeps a CRM's deal-qualification fields current with AI, under an auditable policy.",
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  program
    .command('migrate')
    .description('apply the database migrations in drizzle/ (as the schema owner)')
    .option(
      '--grant <role>',
      'then grant this runtime role what serve, worker, run, undo, purge and /deal-summary need, and no UPDATE/DELETE/TRUNCATE/DDL on the log',
    )
    .action(async (opts: { grant?: string }) => {
      const { config } = boot();
      requireSettings(config, ['database']);
      await runMigrations(config.DATABASE_URL as string);
      io.stdout('migrations applied\n');
      // Tables a migration added reach the runtime roles granted before, narrowed like the rest.
      for (const role of await regrantRuntimeRoles(config.DATABASE_URL as string))
        if (role !== opts.grant)
          io.stdout(`re-granted ${role} the runtime privileges, tables added since included\n`);
      if (opts.grant) {
        await grantRuntimeRole(config.DATABASE_URL as string, opts.grant);
        io.stdout(`granted ${opts.grant} the runtime privileges (append-only on provenance)\n`);
      }
    });

  program
    .command('serve')
    .description(
      'the Slack app on /slack/events (with SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET) and /healthz, on PORT',
    )
    .action(async () => {
      await withApp(async (app) => {
        const serving = await startServe(app);
        io.stdout(
          `scout serving on port ${serving.server.port} (POST /slack/events, GET /healthz, GET /metrics, /dashboard)\n`,
        );
        await untilSignal();
        await serving.stop();
      });
    });

  program
    .command('worker')
    .description(
      'the background worker: scheduled runs (SCOUT_SCHEDULES), deal jobs and approved changes, on BullMQ (REDIS_URL) or inline',
    )
    .action(async () => {
      const { config } = boot();
      await withApp(async (app) => {
        const worker = await startWorker(app);
        io.stdout(
          `scout worker running (${worker.mode === 'bullmq' ? 'BullMQ on REDIS_URL' : 'inline: no REDIS_URL, embedded mode'}; schedules: ${worker.schedules.join(', ') || 'none'})\n`,
        );
        await untilSignal();
        const { drained } = await worker.runtime.stop(config.SCOUT_SHUTDOWN_SECONDS * 1000);
        await worker.metricsServer?.close();
        io.stdout(
          drained
            ? 'worker stopped\n'
            : 'worker stopped at the shutdown deadline; its unfinished jobs will be retried\n',
        );
      });
    });

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
      const { config, logger } = boot();
      const prepared = prepareRun(config, opts);
      // Progress only on a terminal, never with --json: scripts see exactly what they saw.
      const progress =
        !opts.json && process.stderr.isTTY ? createRunProgress(process.stderr) : null;
      const { summary, slack } = await withApp(async (app) => {
        let summary: Awaited<ReturnType<typeof executeRun>>;
        try {
          summary = await executeRun(app, config, logger, prepared, opts, progress?.onProgress);
        } finally {
          progress?.stop();
        }
        return { summary, slack: await notifySlack(app, config, logger, prepared.policy, summary) };
      });
      io.stdout(
        opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatRunSummary(summary)}\n`,
      );
      if (slack) io.stderr(`${slack}\n`);
    });

  program
    .command('log')
    .description('print provenance rows, oldest first')
    .option('--run <id>', 'only rows of this run')
    .option('--deal <id>', 'only rows of this deal')
    .option('--field <name>', 'only rows of this field (its scout_ suggestion included)')
    .option(
      '--action <actions>',
      `only these actions, comma-separated (${ACTIONS.join(', ')})`,
      parseActions,
    )
    .option('--actor <who>', 'only rows by this actor: agent, cli, slack:U…, or a Slack user id')
    .option('--since <time>', 'only rows at or after an ISO date or time (or an age: 7d)', (v) =>
      parseSince(v),
    )
    .option('--until <time>', 'only rows before an ISO date or time (or an age: 1d)', (v) =>
      parseSince(v),
    )
    .option('--json', 'one JSON object per line', false)
    .option('--verify', 'check the tamper-evident hash chain and report the first broken row')
    .option('--expect-head <seq:hash>', 'with --verify: a chain head kept from a run summary')
    .action(async (opts: LogOptions) => {
      await withApp(async (app) => {
        if (opts.verify || opts.expectHead !== undefined) {
          await verifyLog(app.database.db, opts, io.stdout);
          return;
        }
        const rows: string[][] = [];
        for await (const r of readProvenance(app.database.db, {
          runId: opts.run,
          dealId: opts.deal,
          field: opts.field,
          actions: opts.action,
          actor: opts.actor,
          since: opts.since,
          until: opts.until,
        })) {
          if (opts.json) io.stdout(`${JSON.stringify(r)}\n`);
          else {
            rows.push([
              String(r.id),
              r.created_at.slice(0, 19).replace('T', ' '),
              r.run_id.slice(0, 8),
              r.dry_run ? 'dry' : 'live',
              r.record_id,
              r.field,
              r.action,
              `${show(r.previous_value, 20)} → ${show(r.new_value, 30)}`,
              show(r.reason, 80),
            ]);
          }
        }
        if (!opts.json)
          io.stdout(
            rows.length === 0
              ? 'no provenance rows\n'
              : `${table(['id', 'time', 'run', 'mode', 'deal', 'field', 'action', 'value', 'reason'], rows)}\n`,
          );
      });
    });

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
      const { config, logger } = boot();
      undoTarget(opts);
      const { summary, slack } = await withApp((app) => executeUndo(app, config, logger, opts));
      io.stdout(
        opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatRunSummary(summary)}\n`,
      );
      if (slack) io.stderr(`${slack}\n`);
    });

  program
    .command('purge')
    .description(
      'clear quotes (note excerpts) older than N days from the log and decided proposals, keeping their hashes; a dry run unless --apply',
    )
    .option('--older-than-days <n>', 'age in days (default: SCOUT_RETENTION_DAYS)', positiveInt)
    .option('--apply', 'clear them', false)
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: { olderThanDays?: number; apply: boolean; json: boolean }) => {
      const report = await withApp((app) =>
        executePurge(app.database.db, app.config, opts, app.clock()),
      );
      io.stdout(opts.json ? `${JSON.stringify(report)}\n` : `${formatPurge(report)}\n`);
    });

  program
    .command('setup-fields')
    .description(
      'create the scout_* suggestion properties in the CRM; a dry run unless --apply AND LIVE_WRITES=1',
    )
    .option('--apply', 'create them (LIVE_WRITES=1 must also be set)', false)
    .action(async (opts: { apply: boolean }) => {
      const { config } = boot();
      const policy = loadPolicy(config);
      const report = await withApp((app) =>
        setupFields(
          {
            crm: app.crm,
            policy,
            liveWrites: config.LIVE_WRITES,
            isPaused: () => app.ledger.isPaused(),
          },
          opts,
        ),
      );
      const head = report.locks.open ? 'LIVE' : 'DRY RUN — nothing was written';
      const body = table(
        ['field', 'property', 'type', 'status', 'detail'],
        report.rows.map((r) => [r.field, r.property, r.type, r.status, r.detail]),
      );
      io.stdout(
        `${[head, ...report.locks.warnings.map((w) => `WARNING: ${w}`), body].join('\n')}\n`,
      );
    });

  const policy = program.command('policy').description('field policy tools');
  policy
    .command('check [file]')
    .description(
      'validate a policy file (default: SCOUT_POLICY, else the shipped default) and print it',
    )
    .action(async (file: string | undefined) => {
      const path = file ?? boot().config.SCOUT_POLICY ?? DEFAULT_POLICY_PATH;
      io.stdout(`${formatPolicy(loadPolicyFile(path), path)}\n`);
    });
  policy
    .command('show')
    .description('print the exact policy text a run ran under (SPEC G25)')
    .requiredOption('--run <id>', 'the run')
    .option('--json', 'as JSON: run_id, path, sha256, text', false)
    .action(async (opts: { run: string; json: boolean }) => {
      const shown = await withApp((app) => runPolicy(app.database.db, opts.run));
      if (opts.json)
        io.stdout(
          `${JSON.stringify({ run_id: shown.runId, path: shown.path, sha256: shown.sha256, text: shown.text })}\n`,
        );
      else
        io.stdout(
          `# run ${shown.runId} · policy ${shown.path ?? '(path unknown)'} · sha256 ${shown.sha256}\n${shown.text}${shown.text.endsWith('\n') ? '' : '\n'}`,
        );
    });

  const crm = program.command('crm').description('local CRM tools (SCOUT_CRM=local only)');
  crm
    .command('seed <file>')
    .description('load a seed file into the local CRM (ids must be new)')
    .action(async (file: string) => {
      const result = await withApp(async (app) => {
        assertLocal(app);
        return seedLocalCrm(app.database.db, file);
      });
      io.stdout(
        `seeded ${result.deals} deals, ${result.notes} notes, ${result.users} users, ${result.properties} new properties\n`,
      );
    });
  crm
    .command('dump')
    .description(
      'print every deal with all its current properties and notes, in the seed file shape',
    )
    .option('--json', 'JSON (the only format; accepted for symmetry with other commands)', true)
    .action(async () => {
      await withApp(async (app) => {
        assertLocal(app);
        await dumpLocalCrm(app.database.db, io.stdout);
      });
    });

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
      const { config, logger } = boot();
      await demoCommand(opts, config, logger, io, listenForStop);
    });

  program
    .command('stats')
    .description(
      'per field: proposals, decisions, rejections by reason, overturned auto values, and the approve-as-is rate per confidence bucket',
    )
    .option(
      '--since <time>',
      'only evidence since an ISO date or time, or an age (30d, 12h, 2w)',
      (value: string) => parseSince(value),
    )
    .option('--json', 'print the statistics as JSON', false)
    .action(async (opts: { since?: Date; json: boolean }) => {
      const { config } = boot();
      const policy = loadPolicy(config);
      const since = opts.since ?? null;
      const report = await withApp((app) => collectStats(app.database.db, policy, since));
      io.stdout(
        opts.json ? `${JSON.stringify(statsJson(report), null, 2)}\n` : `${formatStats(report)}\n`,
      );
    });

  program
    .command('autonomy')
    .description(
      'per-field advice from the evidence (change a lane, move a threshold, demote), printed as a diff of the policy file; never edits it',
    )
    .option('--json', 'print the advice as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const { config } = boot();
      const policy = loadPolicy(config);
      const path = config.SCOUT_POLICY ?? DEFAULT_POLICY_PATH;
      const report = await withApp((app) => adviseFromLog(app.database.db, policy, path));
      io.stdout(
        opts.json
          ? `${JSON.stringify(autonomyJson(report), null, 2)}\n`
          : `${formatAutonomy(report)}\n`,
      );
    });

  program
    .command('digest')
    .description(
      'the weekly digest: what changed and why, coverage, stale and expired share, spend and the autonomy advice',
    )
    .option('--post', 'post it to SCOUT_OPS_CHANNEL as well as printing it', false)
    .action(async (opts: { post: boolean }) => {
      const { config } = boot();
      const policy = loadPolicy(config);
      io.stdout(`${await withApp((app) => executeDigest(app, policy, opts))}\n`);
    });

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error, io, logger);
  } finally {
    logger?.flush();
  }
}

/** Resolves on the first SIGINT or SIGTERM, so the caller can shut down in order. */
function untilSignal(): Promise<void> {
  return listenForStop().stopped;
}

/** Takes over SIGINT and SIGTERM until the first arrives, or until `release`. */
function listenForStop(): StopSignal {
  let release = () => {};
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      release();
      resolve();
    };
    release = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return { stopped, release };
}

function assertLocal(app: AppContext): void {
  if (app.crm.kind !== 'local')
    throw new ScoutError(
      'crm_unsupported',
      '`scout crm` works on the local CRM only (SCOUT_CRM=local)',
    );
}

function reportError(error: unknown, io: CliIo, logger: Logger | undefined): number {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    )
      return 0;
    return 2;
  }
  if (error instanceof ScoutError) {
    io.stderr(`scout: ${error.message}\n`);
    return error.exitCode;
  }
  logger?.error({ err: error }, 'command failed');
  io.stderr(`scout: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
