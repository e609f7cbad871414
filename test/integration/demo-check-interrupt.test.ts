import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FRESH_DIR = /embedded defaults in a fresh directory \((.+)\)\n/;

/** `scout demo --check` in its own process, temporary files in `tmp`; Ctrl-C once it prints `after`. */
async function interruptedCheck(tmp: string, after: string) {
  const child = spawn(process.execPath, ['bin/scout.js', 'demo', '--check'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let dirWhenStopped = '';
  let existedWhenStopped = false;
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  child.stdout.on('data', (d) => {
    stdout += String(d);
    if (dirWhenStopped || !stdout.includes(after)) return;
    dirWhenStopped = FRESH_DIR.exec(stdout)?.[1] ?? '(not printed)';
    existedWhenStopped = existsSync(dirWhenStopped);
    child.kill('SIGINT');
  });
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, sig) => r({ code, signal: sig })),
  );
  return { exit, stdout, stderr, dir: dirWhenStopped, existedWhenStopped };
}

// A start is a few seconds alone (tsx, then PGlite); the margin is for a busy machine.
describe('scout demo --check stopped before it finishes', { timeout: 90_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'scout-demo-interrupt-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('Ctrl-C during the check stops it, removes its temporary directory and fails saying so', async () => {
    const run = await interruptedCheck(tmp, 'ok  the dry run posted its summary');
    expect(run.dir.startsWith(join(tmp, 'scout-demo-check-'))).toBe(true);
    expect(run.existedWhenStopped).toBe(true);
    expect(run.exit).toEqual({ code: 1, signal: null });
    expect(run.stderr).toContain(
      `scout: scout demo --check was interrupted before it finished, so it verified only the lines above; its temporary directory ${run.dir} was removed\n`,
    );
    expect(run.stdout).not.toContain('everything above was verified');
    expect(existsSync(run.dir)).toBe(false);
    // Nothing of the check's own is left behind (tsx keeps its compile cache here too).
    expect(readdirSync(tmp).filter((f) => f.startsWith('scout-'))).toEqual([]);
  });
});
