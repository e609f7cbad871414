import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { dumpLocalCrm } from '../crm/local-crm-admin.js';
import { openEmbeddedDatabase } from '../db/embedded-database.js';
import { checkDemo } from '../demo/demo-check.js';
import { DEFAULT_DEMO_DIR, DEMO_CASE_COMMANDS } from '../demo/demo-files.js';
import { type Demo, startDemo } from '../demo/start-demo.js';
import { ScoutError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CliIo } from './output.js';

export interface DemoCommandOptions {
  readonly check: boolean;
  readonly fresh: boolean;
  readonly apply: boolean;
  readonly dump: boolean;
  readonly dataDir: string;
  readonly port: number;
}

export { DEFAULT_DEMO_PORT } from '../demo/demo-files.js';

/** Ctrl-C (SIGINT) or SIGTERM: `stopped` resolves on the first; `release` stops listening. */
export interface StopSignal {
  readonly stopped: Promise<void>;
  release(): void;
}

const STOPPED = Symbol('stopped');

/**
 * `scout demo`: starts everything on embedded defaults, runs a dry run (or a live one
 * with --apply), prints the sandbox URL, and serves until stopped. It listens for
 * Ctrl-C before it starts anything, so a stop during the start or the first run shuts
 * down in order too. `--check` runs the whole flow headless in a fresh temporary
 * directory instead; `--dump` prints the demo CRM like `scout crm dump`.
 */
export async function demoCommand(
  opts: DemoCommandOptions,
  config: Config,
  logger: Logger,
  io: CliIo,
  listenForStop: () => StopSignal,
): Promise<void> {
  if (opts.check) {
    const signal = listenForStop();
    try {
      return await runCheck(config, logger, io, signal.stopped);
    } finally {
      signal.release();
    }
  }
  const dataDir = resolve(opts.dataDir);
  if (opts.dump) return withDataDir(dataDir, () => dump(dataDir, io));
  if (opts.fresh) {
    if (config.DATABASE_URL)
      throw new ScoutError(
        'usage',
        '--fresh wipes only the embedded demo database; with DATABASE_URL set, point it at an empty database instead',
      );
  }
  const signal = listenForStop();
  const orStop = <T>(work: Promise<T>) =>
    Promise.race([work, signal.stopped.then((): typeof STOPPED => STOPPED)]);
  try {
    await withDataDir(dataDir, async () => {
      if (opts.fresh) rmSync(join(dataDir, 'pgdata'), { recursive: true, force: true });
      io.stdout('Starting the Scout demo (the first start takes a few seconds)…\n');
      const starting = startDemo({ config, logger, dataDir, port: opts.port });
      const started = await orStop(starting);
      // Stopped while starting: what has started is stopped in order once it is up.
      const demo = started === STOPPED ? await starting : started;
      try {
        io.stdout(`${demo.setup.map((l) => `  ${l}`).join('\n')}\n\n`);
        if (started !== STOPPED) await serve(demo, opts, dataDir, io, orStop, signal);
        io.stdout('stopping…\n');
      } finally {
        await demo.stop();
      }
      io.stdout(`demo stopped; its data stays in ${dataDir}\n`);
    });
  } finally {
    signal.release();
  }
}

/** The first run, the banner, then wait for Ctrl-C; a stop during the run ends it early. */
async function serve(
  demo: Demo,
  opts: DemoCommandOptions,
  dataDir: string,
  io: CliIo,
  orStop: <T>(work: Promise<T>) => Promise<T | typeof STOPPED>,
  signal: StopSignal,
): Promise<void> {
  const running = demo.run(opts.apply);
  const ran = await orStop(running);
  if (ran === STOPPED) {
    // The run fails once the demo stops under it; nobody waits for its answer any more.
    running.catch(() => undefined);
    return;
  }
  io.stdout(`${ran.text}\n\n`);
  io.stdout(banner(demo, opts, dataDir));
  await signal.stopped;
}

function banner(demo: Demo, opts: DemoCommandOptions, dataDir: string): string {
  const url = `${demo.sandbox.url}/?channel=C0OPS&as=U0LEAD`;
  const dir = opts.dataDir === DEFAULT_DEMO_DIR ? '' : ` --data-dir ${opts.dataDir}`;
  return [
    `Open the Slack sandbox: ${url}`,
    "  Approval cards are threaded per deal in each rep's DM with Scout; pick who you are",
    '  at the top right (a rep, Dana the approver, or Sam the stranger).',
    '  Type /deal-summary d01 or /scout status in the message box.',
    '  "Open the dashboard" there shows runs, decisions per field, pending cards, cost and advice.',
    'See how Scout handled the tricky sample cases (examples/demo/README.md):',
    ...DEMO_CASE_COMMANDS.map((c) => `  ${c.command.padEnd(34)} ${c.shows}`),
    '  d03 (an injection) and d07 (a stage change): stage and amount are never written, so',
    '  those were denied, and the injected IBAN was dropped (its field is not in the policy).',
    '  `npx scout demo --check` verifies each case and prints what it saw.',
    opts.apply
      ? 'This run was LIVE: approving a card writes to the demo CRM.'
      : `Go live: press "Run Scout live (--apply)" in #scout-ops, or stop (Ctrl-C) and run:\n  npx scout demo${dir} --apply`,
    `See the CRM after you stop the demo: npx scout demo${dir} --dump   (same as scout crm dump)`,
    `Data: ${dataDir} — \`npx scout demo${dir}\` continues with it, \`npx scout demo${dir} --fresh\` starts over.`,
    'Ctrl-C stops the demo.',
    '',
  ].join('\n');
}

/** One demo per data directory: PGlite must not be opened by two processes at once. */
async function withDataDir(dataDir: string, fn: () => Promise<void>): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const pidFile = join(dataDir, 'demo.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
      throw new ScoutError(
        'usage',
        `a Scout demo (pid ${pid}) is using ${dataDir}; stop it first, or pass --data-dir <another dir>`,
      );
  }
  writeFileSync(pidFile, String(process.pid));
  try {
    await fn();
  } finally {
    rmSync(pidFile, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function dump(dataDir: string, io: CliIo): Promise<void> {
  const pgdata = join(dataDir, 'pgdata');
  if (!existsSync(pgdata))
    throw new ScoutError('usage', `no demo data in ${dataDir}; run \`npx scout demo\` first`);
  const database = await openEmbeddedDatabase(pgdata);
  try {
    await dumpLocalCrm(database.db, io.stdout);
  } finally {
    await database.close();
  }
}

/**
 * The README's first command, proven: embedded everything, a fresh directory, the whole
 * flow. Ctrl-C (or SIGTERM) stops the demo in order and removes the directory, and the
 * command fails saying it was interrupted: a check cut short proves nothing past its last line.
 */
async function runCheck(
  config: Config,
  logger: Logger,
  io: CliIo,
  stopped: Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scout-demo-check-'));
  const embedded: Config = {
    ...config,
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    ANTHROPIC_API_KEY: undefined,
    SCOUT_REPLAY_FILE: undefined,
    SCOUT_POLICY: undefined,
    SCOUT_CRM: 'local',
  };
  const orStop = <T>(work: Promise<T>) =>
    Promise.race([work, stopped.then((): typeof STOPPED => STOPPED)]);
  let interrupted = false;
  // Once stopped, the check fails under the stopping demo; its last words are not news.
  const say = (line: string) => {
    if (!interrupted) io.stdout(`${line}\n`);
  };
  say(`scout demo --check: embedded defaults in a fresh directory (${dir})`);
  try {
    const starting = startDemo({ config: embedded, logger, dataDir: dir, port: 0 });
    const started = await orStop(starting);
    interrupted = started === STOPPED;
    // Stopped while starting: what has started is stopped in order once it is up.
    const demo = started === STOPPED ? await starting : started;
    try {
      if (started !== STOPPED) {
        for (const line of demo.setup) say(`ok  started ${line}`);
        const checking = checkDemo(demo, say);
        interrupted = (await orStop(checking)) === STOPPED;
        if (interrupted) checking.catch(() => undefined);
      }
    } finally {
      await demo.stop();
    }
  } catch (error) {
    if (!interrupted) throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (interrupted)
    throw new Error(
      `scout demo --check was interrupted before it finished, so it verified only the lines above; its temporary directory ${dir} was removed`,
    );
  say('scout demo --check: everything above was verified; the demo works on this machine');
}
