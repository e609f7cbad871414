import type { Command } from 'commander';
import type { AppContext } from '../../app-context.js';
import { requireSettings } from '../../config.js';
import { ScoutError } from '../../errors.js';
import { loadPolicy } from '../../policy-file.js';
import { type CliContext, positiveInt } from '../cli-context.js';
import { table } from '../output.js';

// `scout migrate`, `purge`, `setup-fields` and `crm`: the commands that set up or tidy a deployment.
// Each loads its implementation when it runs, so one command does not pay for the others.

export function registerMigrate(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('apply the database migrations in drizzle/ (as the schema owner)')
    .option(
      '--grant <role>',
      'then grant this runtime role what serve, worker, run, undo, purge and /deal-summary need, and no UPDATE/DELETE/TRUNCATE/DDL on the log',
    )
    .action(async (opts: { grant?: string }) => {
      const { grantRuntimeRole, regrantRuntimeRoles } = await import('../../db/grant-runtime.js');
      const { runMigrations } = await import('../../db/migrate.js');
      const { config } = ctx.boot();
      requireSettings(config, ['database']);
      await runMigrations(config.DATABASE_URL as string);
      ctx.io.stdout('migrations applied\n');
      // Tables a migration added reach the runtime roles granted before, narrowed like the rest.
      for (const role of await regrantRuntimeRoles(config.DATABASE_URL as string))
        if (role !== opts.grant)
          ctx.io.stdout(`re-granted ${role} the runtime privileges, tables added since included\n`);
      if (opts.grant) {
        await grantRuntimeRole(config.DATABASE_URL as string, opts.grant);
        ctx.io.stdout(`granted ${opts.grant} the runtime privileges (append-only on provenance)\n`);
      }
    });
}

export function registerPurge(program: Command, ctx: CliContext): void {
  program
    .command('purge')
    .description(
      'clear quotes (note excerpts) older than N days from the log and decided proposals, keeping their hashes; a dry run unless --apply',
    )
    .option('--older-than-days <n>', 'age in days (default: SCOUT_RETENTION_DAYS)', positiveInt)
    .option('--apply', 'clear them', false)
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: { olderThanDays?: number; apply: boolean; json: boolean }) => {
      const { executePurge, formatPurge } = await import('../retention-command.js');
      const report = await ctx.withApp((app) =>
        executePurge(app.database.db, app.config, opts, app.clock()),
      );
      ctx.io.stdout(opts.json ? `${JSON.stringify(report)}\n` : `${formatPurge(report)}\n`);
    });
}

export function registerSetupFields(program: Command, ctx: CliContext): void {
  program
    .command('setup-fields')
    .description(
      'create the scout_* suggestion properties in the CRM; a dry run unless --apply AND LIVE_WRITES=1',
    )
    .option('--apply', 'create them (LIVE_WRITES=1 must also be set)', false)
    .action(async (opts: { apply: boolean }) => {
      const { setupFields } = await import('../../services/setup-fields.js');
      const { config } = ctx.boot();
      const policy = loadPolicy(config);
      const report = await ctx.withApp((app) =>
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
      ctx.io.stdout(
        `${[head, ...report.locks.warnings.map((w) => `WARNING: ${w}`), body].join('\n')}\n`,
      );
    });
}

export function registerCrm(program: Command, ctx: CliContext): void {
  const crm = program.command('crm').description('local CRM tools (SCOUT_CRM=local only)');
  crm
    .command('seed <file>')
    .description('load a seed file into the local CRM (ids must be new)')
    .action(async (file: string) => {
      const { seedLocalCrm } = await import('../../crm/local-crm-admin.js');
      const result = await ctx.withApp(async (app) => {
        assertLocal(app);
        return seedLocalCrm(app.database.db, file);
      });
      ctx.io.stdout(
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
      const { dumpLocalCrm } = await import('../../crm/local-crm-admin.js');
      await ctx.withApp(async (app) => {
        assertLocal(app);
        await dumpLocalCrm(app.database.db, ctx.io.stdout);
      });
    });
}

function assertLocal(app: AppContext): void {
  if (app.crm.kind !== 'local')
    throw new ScoutError(
      'crm_unsupported',
      '`scout crm` works on the local CRM only (SCOUT_CRM=local)',
    );
}
