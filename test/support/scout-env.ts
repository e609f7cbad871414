import { fileURLToPath } from 'node:url';
import { type CliResult, scout } from './cli.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** policy/default.yml with next_step opted in to `auto`: for tests of the auto lane. */
export const AUTO_NEXT_STEP_POLICY = fileURLToPath(
  new URL('../fixtures/auto-next-step.policy.yml', import.meta.url),
);
export const EXAMPLE_SEED = fileURLToPath(
  new URL('../../examples/pipeline.seed.json', import.meta.url),
);
export const EXAMPLE_REPLAY = fileURLToPath(
  new URL('../../examples/pipeline.replay.json', import.meta.url),
);

export interface Dump {
  users: unknown[];
  properties: Array<{ name: string }>;
  deals: Array<{
    id: string;
    name: string;
    owner_id: string | null;
    properties: Record<string, unknown>;
    notes: unknown[];
  }>;
}

/** A test's own database plus helpers to drive the real CLI against it. */
export interface ScoutHarness {
  readonly database: TestDatabase;
  readonly env: Record<string, string>;
  cli(args: readonly string[], extraEnv?: Record<string, string | undefined>): Promise<CliResult>;
  /** Runs a command that must succeed and returns its stdout. */
  ok(args: readonly string[], extraEnv?: Record<string, string | undefined>): Promise<string>;
  dump(): Promise<Dump>;
  runJson(
    args: readonly string[],
    extraEnv?: Record<string, string | undefined>,
  ): Promise<Record<string, unknown> & { counts: Record<string, number> }>;
  log(args?: readonly string[]): Promise<Array<Record<string, unknown>>>;
}

export async function createHarness(
  options: { seed?: string; replay?: string; setupFields?: boolean; policy?: string } = {},
): Promise<ScoutHarness> {
  const database = await createTestDatabase();
  const env = {
    DATABASE_URL: database.url,
    SCOUT_REPLAY_FILE: options.replay ?? EXAMPLE_REPLAY,
    SCOUT_EXTRACTOR: 'replay',
    ...(options.policy ? { SCOUT_POLICY: options.policy } : {}),
  };
  const cli = (args: readonly string[], extraEnv: Record<string, string | undefined> = {}) =>
    scout(args, { ...env, ...extraEnv });
  const ok = async (args: readonly string[], extraEnv: Record<string, string | undefined> = {}) => {
    const r = await cli(args, extraEnv);
    if (r.code !== 0 || r.stderr !== '')
      throw new Error(`scout ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const harness: ScoutHarness = {
    database,
    env,
    cli,
    ok,
    dump: async () => JSON.parse(await ok(['crm', 'dump'])) as Dump,
    runJson: async (args, extraEnv) => JSON.parse(await ok(['run', '--json', ...args], extraEnv)),
    log: async (args = []) =>
      (await ok(['log', '--json', ...args]))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l)),
  };
  if (options.seed !== undefined || options.setupFields !== false) {
    await ok(['crm', 'seed', options.seed ?? EXAMPLE_SEED]);
  }
  if (options.setupFields !== false) await ok(['setup-fields', '--apply'], { LIVE_WRITES: '1' });
  return harness;
}
