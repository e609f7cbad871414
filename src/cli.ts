import { Command, CommanderError } from 'commander';
import { type CliContext, createCliContext } from './cli/cli-context.js';
import {
  registerCrm,
  registerMigrate,
  registerPurge,
  registerSetupFields,
} from './cli/commands/admin-commands.js';
import {
  registerAutonomy,
  registerDigest,
  registerLog,
  registerPolicy,
  registerStats,
} from './cli/commands/audit-commands.js';
import { registerDemo, registerServe, registerWorker } from './cli/commands/process-commands.js';
import { registerRun, registerUndo } from './cli/commands/run-commands.js';
import type { CliIo } from './cli/output.js';
import { ScoutError } from './errors.js';
import type { Logger } from './logger.js';

/** Every subcommand, in the order `scout --help` lists them. */
const COMMANDS: readonly ((program: Command, ctx: CliContext) => void)[] = [
  registerMigrate,
  registerServe,
  registerWorker,
  registerRun,
  registerLog,
  registerUndo,
  registerPurge,
  registerSetupFields,
  registerPolicy,
  registerCrm,
  registerDemo,
  registerStats,
  registerAutonomy,
  registerDigest,
];

/**
 * The `scout` command. Returns the exit code: 0 success, 1 runtime failure,
 * 2 bad usage or input.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = createCliContext(io);

  const program = new Command('scout')
    .description(
      "Keeps a CRM's deal-qualification fields current with AI, under an auditable policy.",
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  for (const register of COMMANDS) register(program, ctx);

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error, io, ctx.bootedLogger());
  } finally {
    ctx.bootedLogger()?.flush();
  }
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
