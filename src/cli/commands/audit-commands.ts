import type { Command } from 'commander';
import { ACTIONS } from '../../domain/actions.js';
import { DEFAULT_POLICY_PATH, loadPolicy, loadPolicyFile } from '../../policy-file.js';
import type { CliContext } from '../cli-context.js';
import { parseActions } from '../log-filters.js';
import type { LogOptions } from '../log-verify.js';
import { show, table } from '../output.js';
import { formatStats, parseSince, statsJson } from '../stats-command.js';

// `scout log`, `policy`, `stats`, `autonomy` and `digest`: the commands that read what Scout did.
// Each loads its implementation when it runs, so one command does not pay for the others.

export function registerLog(program: Command, ctx: CliContext): void {
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
      const { readProvenance } = await import('../../db/provenance-reader.js');
      const { verifyLog } = await import('../log-verify.js');
      await ctx.withApp(async (app) => {
        if (opts.verify || opts.expectHead !== undefined) {
          await verifyLog(app.database.db, opts, ctx.io.stdout);
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
          if (opts.json) ctx.io.stdout(`${JSON.stringify(r)}\n`);
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
          ctx.io.stdout(
            rows.length === 0
              ? 'no provenance rows\n'
              : `${table(['id', 'time', 'run', 'mode', 'deal', 'field', 'action', 'value', 'reason'], rows)}\n`,
          );
      });
    });
}

export function registerPolicy(program: Command, ctx: CliContext): void {
  const policy = program.command('policy').description('field policy tools');
  policy
    .command('check [file]')
    .description(
      'validate a policy file (default: SCOUT_POLICY, else the shipped default) and print it',
    )
    .action(async (file: string | undefined) => {
      const { formatPolicy } = await import('../policy-command.js');
      const path = file ?? ctx.boot().config.SCOUT_POLICY ?? DEFAULT_POLICY_PATH;
      ctx.io.stdout(`${formatPolicy(loadPolicyFile(path), path)}\n`);
    });
  policy
    .command('show')
    .description('print the exact policy text a run ran under (G25)')
    .requiredOption('--run <id>', 'the run')
    .option('--json', 'as JSON: run_id, path, sha256, text', false)
    .action(async (opts: { run: string; json: boolean }) => {
      const { runPolicy } = await import('../policy-command.js');
      const shown = await ctx.withApp((app) => runPolicy(app.database.db, opts.run));
      if (opts.json)
        ctx.io.stdout(
          `${JSON.stringify({ run_id: shown.runId, path: shown.path, sha256: shown.sha256, text: shown.text })}\n`,
        );
      else
        ctx.io.stdout(
          `# run ${shown.runId} · policy ${shown.path ?? '(path unknown)'} · sha256 ${shown.sha256}\n${shown.text}${shown.text.endsWith('\n') ? '' : '\n'}`,
        );
    });
}

export function registerStats(program: Command, ctx: CliContext): void {
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
      const { collectStats } = await import('../../db/field-stats-query.js');
      const { config } = ctx.boot();
      const policy = loadPolicy(config);
      const since = opts.since ?? null;
      const report = await ctx.withApp((app) => collectStats(app.database.db, policy, since));
      ctx.io.stdout(
        opts.json ? `${JSON.stringify(statsJson(report), null, 2)}\n` : `${formatStats(report)}\n`,
      );
    });
}

export function registerAutonomy(program: Command, ctx: CliContext): void {
  program
    .command('autonomy')
    .description(
      'per-field advice from the evidence (change a lane, move a threshold, demote), printed as a diff of the policy file; never edits it',
    )
    .option('--json', 'print the advice as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const { adviseFromLog, autonomyJson, formatAutonomy } = await import(
        '../autonomy-command.js'
      );
      const { config } = ctx.boot();
      const policy = loadPolicy(config);
      const path = config.SCOUT_POLICY ?? DEFAULT_POLICY_PATH;
      const report = await ctx.withApp((app) => adviseFromLog(app.database.db, policy, path));
      ctx.io.stdout(
        opts.json
          ? `${JSON.stringify(autonomyJson(report), null, 2)}\n`
          : `${formatAutonomy(report)}\n`,
      );
    });
}

export function registerDigest(program: Command, ctx: CliContext): void {
  program
    .command('digest')
    .description(
      'the weekly digest: what changed and why, coverage, stale and expired share, spend and the autonomy advice',
    )
    .option('--post', 'post it to SCOUT_OPS_CHANNEL as well as printing it', false)
    .action(async (opts: { post: boolean }) => {
      const { executeDigest } = await import('../digest-command.js');
      const { config } = ctx.boot();
      const policy = loadPolicy(config);
      ctx.io.stdout(`${await ctx.withApp((app) => executeDigest(app, policy, opts))}\n`);
    });
}
