import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What each long-running command prints on stdout once it is up. */
const READY: Record<ScoutCommand, string> = {
  serve: 'scout serving on port',
  worker: 'scout worker running',
};

export type ScoutCommand = 'serve' | 'worker';

/** `bin/scout.js serve|worker` in an OS process of its own, as production runs it. */
export interface ScoutProcess {
  readonly pid: number;
  /** Its stdout and stderr so far (LOG_LEVEL warn unless the env says otherwise). */
  output(): string;
  /** SIGTERM, then its exit code once it has stopped in order. */
  stop(): Promise<number | null>;
  /** SIGKILL if it still runs: clean-up after a failed test or bench, never the way to end one. */
  kill(): Promise<void>;
}

/**
 * Starts `scout <command>` with exactly `env` (and PATH) and resolves once it says it is
 * up; a process that exits or stays silent for `readyMs` is killed and reported.
 */
export async function startScoutProcess(
  command: ScoutCommand,
  env: Record<string, string>,
  readyMs = 60_000,
): Promise<ScoutProcess> {
  const child = spawn(process.execPath, ['bin/scout.js', command], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  // A cold start may compile the sources first (tsx): seconds on a busy machine.
  const deadline = Date.now() + readyMs;
  while (!out.includes(READY[command])) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await kill();
      throw new Error(`scout ${command} did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid as number,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill,
  };
}
