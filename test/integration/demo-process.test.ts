import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { scout } from '../support/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BANNER = 'Open the Slack sandbox: http://127.0.0.1:';

interface DemoProcess {
  readonly child: ChildProcess;
  /** Resolves once stdout holds `text`; fails if the process ends first. */
  printed(text: string): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/** `bin/scout.js demo …` in its own process, on embedded defaults, as a newcomer starts it. */
function demoProcess(dataDir: string, args: string[] = []): DemoProcess {
  const child = spawn(
    process.execPath,
    ['bin/scout.js', 'demo', '--port', '0', '--data-dir', dataDir, ...args],
    {
      cwd: root,
      // No DATABASE_URL, REDIS_URL or API key: PGlite, inline jobs and the sample answers.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  const waiting: Array<() => void> = [];
  child.stdout?.on('data', (d) => {
    out += String(d);
    for (const check of [...waiting]) check();
  });
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    printed: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!out.includes(text)) return;
          waiting.splice(waiting.indexOf(check), 1);
          resolve();
        };
        waiting.push(check);
        check();
        void exited.then(({ code, signal }) =>
          reject(
            new Error(
              `the demo ended (${code ?? signal}) before printing "${text}":\n${out}${err}`,
            ),
          ),
        );
      }),
  };
}

async function interrupt(demo: DemoProcess) {
  demo.child.kill('SIGINT');
  return demo.exited;
}

async function dumpDeal(dataDir: string, dealId: string) {
  const result = await scout(['demo', '--dump', '--data-dir', dataDir], {});
  expect(result.stderr).toBe('');
  const crm = JSON.parse(result.stdout) as {
    deals: Array<{ id: string; properties: Record<string, unknown> }>;
  };
  return crm.deals.find((d) => d.id === dealId)?.properties;
}

// Each start is a few seconds alone (tsx, then PGlite); the margin is for a machine busy with the rest of the suite.
describe('scout demo as a process: Ctrl-C, continuing, --fresh and --dump', {
  timeout: 150_000,
}, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scout-demo-process-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('Ctrl-C after a live first run (--apply) stops it cleanly with exit 0', async () => {
    const demo = demoProcess(dataDir, ['--apply']);
    await demo.printed(BANNER);
    expect(demo.stdout()).toContain('seeded 25 sample deals');
    expect(demo.stdout()).toContain('\nLIVE\n');
    expect(await interrupt(demo)).toEqual({ code: 0, signal: null });
    expect(demo.stdout()).toContain(`stopping…\ndemo stopped; its data stays in ${dataDir}\n`);
    expect(demo.stderr()).toBe('');
    expect(existsSync(join(dataDir, 'demo.pid'))).toBe(false);
  });

  it('--dump afterwards prints the CRM with what the live run wrote', async () => {
    expect((await dumpDeal(dataDir, 'd11'))?.scout_identified_pain).toBe(
      'QA reports take two weeks to compile',
    );
  });

  it('a second start continues with the same deals, and Ctrl-C during its first run is clean', async () => {
    const demo = demoProcess(dataDir);
    // The last setup line: startDemo is done and the dry run is starting.
    await demo.printed('  Slack app: the real Bolt app on');
    expect(demo.stdout()).toContain('local CRM: continuing with the 25 deals already there');
    expect(await interrupt(demo)).toEqual({ code: 0, signal: null });
    expect(demo.stdout()).toContain('demo stopped; its data stays in');
    expect(demo.stderr()).toBe('');
    expect((await dumpDeal(dataDir, 'd11'))?.scout_identified_pain).toBe(
      'QA reports take two weeks to compile',
    );
  });

  it('--fresh seeds anew, and Ctrl-C while it is still starting stops it cleanly', async () => {
    const demo = demoProcess(dataDir, ['--fresh']);
    await demo.printed('Starting the Scout demo');
    expect(await interrupt(demo)).toEqual({ code: 0, signal: null });
    expect(demo.stdout()).toContain('seeded 25 sample deals');
    expect(demo.stdout()).toContain('demo stopped; its data stays in');
    expect(demo.stderr()).toBe('');
    expect(existsSync(join(dataDir, 'demo.pid'))).toBe(false);
    // Seeded anew: the earlier live write is gone, and no live run has happened since.
    expect((await dumpDeal(dataDir, 'd11'))?.scout_identified_pain ?? null).toBeNull();
  });

  it('started by npx (npm exec → sh → node), it stops in order when npx and its shell are stopped', async () => {
    // What npx does: npm_command=exec, and a shell between npm and scout; SIGTERM to npx ends
    // the shell but never reaches scout. (`; true` keeps sh from exec-ing node in its place.)
    const shell = spawn(
      'sh',
      ['-c', `"${process.execPath}" bin/scout.js demo --port 0 --data-dir "${dataDir}"; true`],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          LOG_LEVEL: 'error',
          npm_command: 'exec',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const closed = new Promise<void>((r) => shell.stdout?.on('close', () => r()));
    const printed = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!out.includes(text)) return;
          shell.stdout?.off('data', onData);
          resolve();
        };
        const onData = (d: unknown) => {
          out += String(d);
          check();
        };
        shell.stdout?.on('data', onData);
        check();
      });
    await printed(BANNER);
    shell.kill('SIGTERM');
    // The demo's node process outlives its shell only until it notices, then stops in order.
    await printed('demo stopped; its data stays in');
    // Its stdout (the pipe it shares with the shell) closes only when it has exited. (Orphaned,
    // it may linger as a zombie until its new parent reaps it, so no `kill -0` here.)
    await closed;
    expect(existsSync(join(dataDir, 'demo.pid'))).toBe(false);
  });
});
