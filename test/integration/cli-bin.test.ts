import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_REPLAY, EXAMPLE_SEED } from '../support/scout-env.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

async function npxScout(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', 'scout', ...args], {
      cwd: root,
      // The sources through tsx, as right after `npm ci`: the suite's build would start faster.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        SCOUT_FROM_SOURCE: '1',
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('`npx scout` in a checkout, with no build step', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('shows help for every command', async () => {
    for (const args of [
      ['--help'],
      ['run', '--help'],
      ['log', '--help'],
      ['crm', 'seed', '--help'],
      ['policy', 'check', '--help'],
    ]) {
      const r = await npxScout(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: scout');
    }
    // One cold process per command (tsx compiles on first use): a fresh clone needs more than a minute.
  }, 180_000);

  it('walks through seed, setup, dry run, live run and log as a newcomer would', async () => {
    const env = { DATABASE_URL: db.url, SCOUT_REPLAY_FILE: EXAMPLE_REPLAY };
    expect((await npxScout(['crm', 'seed', EXAMPLE_SEED], env)).stdout).toContain('seeded 5 deals');
    expect(
      (await npxScout(['setup-fields', '--apply'], { ...env, LIVE_WRITES: '1' })).stdout.split(
        '\n',
      )[0],
    ).toBe('LIVE');
    const dry = await npxScout(['run'], env);
    expect(dry.stdout.split('\n')[0]).toBe('DRY RUN — nothing was written');
    const live = await npxScout(['run', '--apply', '--json'], { ...env, LIVE_WRITES: '1' });
    // The shipped policy writes no rep-owned field without a person: next_step is a proposal.
    expect(JSON.parse(live.stdout)).toMatchObject({ mode: 'live', counts: { written: 4 } });
    const log = await npxScout(['log'], env);
    expect(log.stdout).toContain('written');
    expect(log.stdout).toContain('would_write');
  }, 120_000);

  it('exits 2 with one readable line when a setting is missing', async () => {
    const r = await npxScout(['run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DATABASE_URL is not set');
    expect(r.stderr).toContain('ANTHROPIC_API_KEY is not set');
  });
});
