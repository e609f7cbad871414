import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { PropertyValue } from '../../src/domain/values.js';
import { createBullJobs } from '../../src/jobs/bullmq-jobs.js';
import type { JobSystem } from '../../src/services/ports/job-system.js';
import { scout } from './cli.js';
import { type HubSpotStandIn, startHubSpotStandIn } from './hubspot-stand-in.js';
import { numericPipeline } from './hubspot-stand-in-seed.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { approveProposal, uniquePrefix, until } from './worker-harness.js';

/**
 * Crash tests for docs/guarantees.md#g19 and G20: `scout` processes killed with SIGKILL at random
 * moments, then the whole state audited — every CRM difference from the seed has a live
 * write row with that value, nothing was written twice, Scout's writes were never
 * credited to the rep, no run is left running, undoing every run restores the seed, and
 * the audit chain verifies. Shared by the suite (small) and `npm run chaos` (full size).
 */

export const CHAOS_POLICY = fileURLToPath(new URL('../fixtures/chaos.policy.yml', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/scout.js', import.meta.url));
/** Short, so a killed run's lease lapses within the test. */
export const CHAOS_LEASE_SECONDS = 1;

export type ChaosCrm = 'local' | 'hubspot';
type Props = Record<string, PropertyValue>;

export interface ChaosWorld {
  readonly crm: ChaosCrm;
  readonly env: Record<string, string>;
  readonly database: TestDatabase;
  readonly standIn: HubSpotStandIn | null;
  readonly dealIds: readonly string[];
  /** Every deal's properties after set-up, before any run. */
  readonly seed: ReadonlyMap<string, Props>;
  /** What the CRM holds now. */
  current(): Promise<Map<string, Props>>;
  close(): Promise<void>;
}

/** A CRM seeded with `deals` deals, each yielding a suggestion, an auto write and a proposal. */
export async function chaosWorld(crm: ChaosCrm, deals: number): Promise<ChaosWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'scout-chaos-'));
  const { seed, replay } = numericPipeline(deals, 2);
  writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
  writeFileSync(join(dir, 'replay.json'), JSON.stringify(replay));
  const database = await createTestDatabase();
  const standIn = crm === 'hubspot' ? await startHubSpotStandIn() : null;
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    SCOUT_POLICY: CHAOS_POLICY,
    SCOUT_EXTRACTOR: 'replay',
    SCOUT_REPLAY_FILE: join(dir, 'replay.json'),
    SCOUT_RUN_LEASE_SECONDS: String(CHAOS_LEASE_SECONDS),
    // Small pages: a kill lands between many commits, not just before or after one.
    SCOUT_RUN_PAGE_SIZE: '5',
    LIVE_WRITES: '1',
    ...(standIn
      ? {
          SCOUT_CRM: 'hubspot',
          HUBSPOT_ACCESS_TOKEN: standIn.token,
          HUBSPOT_BASE_URL: standIn.url,
          HUBSPOT_REQUESTS_PER_10S: '10000',
          HUBSPOT_SEARCH_PER_SECOND: '100',
        }
      : { SCOUT_CRM: 'local' }),
  };
  const dealIds = seed.deals.map((d) => d.id);
  if (standIn) standIn.load(seed);
  else await must(['crm', 'seed', join(dir, 'seed.json')], env);
  await must(['setup-fields', '--apply'], env);
  const current = async (): Promise<Map<string, Props>> => {
    if (standIn) {
      const out = new Map<string, Props>();
      for (const id of dealIds) out.set(id, fromWire(standIn.deal(id) ?? {}));
      return out;
    }
    const rows = await database.sql<Array<{ id: string; properties: Props }>>`
      select id, properties from crm_deals`;
    return new Map(rows.map((r) => [r.id, r.properties]));
  };
  const world: ChaosWorld = {
    crm,
    env,
    database,
    standIn,
    dealIds,
    seed: await current(),
    current,
    close: async () => {
      await standIn?.close();
      await database.destroy();
    },
  };
  if (standIn) standIn.latencyMs = 30;
  return world;
}

/** HubSpot answers strings; the fields these tests write are text, so '' is empty. */
function fromWire(props: Record<string, string>): Props {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v === '' ? null : v]));
}

async function must(args: string[], env: Record<string, string>): Promise<string> {
  const r = await scout(args, env);
  if (r.code !== 0) throw new Error(`scout ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** A small deterministic generator, so a failing trial can be replayed from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * Where a trial's random delay starts: when the run is recorded (so some kills land
 * before any write), or when it is writing (its first log row, or on a remote CRM its first
 * write intent, has committed), so that kills land among the writes however fast the
 * machine is.
 */
export type KillFrom = 'recorded' | 'writing';

/**
 * Starts `scout run --apply` in its own process and kills it with SIGKILL a random time
 * (up to `maxDelayMs`) after `from`; true when it was killed mid-run, false when it
 * finished first.
 */
export async function killRunOnce(
  world: ChaosWorld,
  random: () => number,
  maxDelayMs: number,
  from: KillFrom = 'recorded',
): Promise<boolean> {
  const child = spawn(process.execPath, [BIN, 'run', '--apply'], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...world.env },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const before = await progress(world);
  for (;;) {
    if (done) break;
    const now = await progress(world);
    if (from === 'recorded' ? now.runs > before.runs : now.activity > before.activity) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  if (!done) await new Promise((r) => setTimeout(r, random() * maxDelayMs));
  const killed = !done;
  child.kill('SIGKILL');
  await exited;
  return killed;
}

async function progress(world: ChaosWorld): Promise<{ runs: number; activity: number }> {
  const [row] = await world.database.sql<[{ runs: number; activity: number }]>`
    select (select count(*)::int from runs) as runs,
      (select count(*)::int from provenance) + (select count(*)::int from write_intents) as activity`;
  return row;
}

/**
 * `scout worker` processes on a queue of their own (shared Redis, own prefix), fed by a
 * producer in the test process as a schedule or a Slack click would feed them.
 */
export interface WorkerChaos {
  readonly env: Record<string, string>;
  readonly producer: JobSystem;
  close(): Promise<void>;
}

export async function workerChaos(
  world: ChaosWorld,
  redisUrl = 'redis://127.0.0.1:6379',
): Promise<WorkerChaos> {
  const prefix = uniquePrefix();
  const env = {
    ...world.env,
    REDIS_URL: redisUrl,
    SCOUT_QUEUE_PREFIX: prefix,
    // The default, far longer than a worker's cold start on a busy machine: the next
    // trial's worker resumes what the killed one left (the CLI trials cover runs that end
    // interrupted).
    SCOUT_RUN_LEASE_SECONDS: '30',
    // A killed worker's jobs come back within a second; lost work counts after no grace.
    SCOUT_JOB_LOCK_SECONDS: '1',
    SCOUT_RECONCILE_SECONDS: '0.2',
    SCOUT_RECONCILE_GRACE_SECONDS: '0',
    SCOUT_HEARTBEAT_SECONDS: '0.5',
  };
  const producer = await createBullJobs({
    redisUrl,
    prefix,
    logger: pino({ level: 'silent' }),
    dealConcurrency: 1,
  });
  return {
    env,
    producer,
    close: async () => {
      await producer.close(1_000);
    },
  };
}

/** Where a worker trial kills: while a run's deal jobs are being worked, or while approvals are applied. */
export type WorkerKillPoint = 'fan-out' | 'apply';

function startWorkerProcess(env: Record<string, string>): {
  child: ChildProcess;
  exited: Promise<void>;
  done: () => boolean;
} {
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: 'ignore',
  });
  let done = false;
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      done = true;
      r();
    }),
  );
  return { child, exited, done: () => done };
}

/**
 * One worker trial. `fan-out`: enqueues a live run over `dealIds` and kills the worker a
 * random time after the run is recorded. `apply`: approves every pending live proposal
 * (as clicks do) and kills the worker a random time after its first apply lands. Either
 * way the killed worker also had whatever earlier trials left in the queue. True when the
 * kill landed with work unfinished.
 */
async function killWorkerOnce(
  world: ChaosWorld,
  chaos: WorkerChaos,
  random: () => number,
  maxDelayMs: number,
  at: WorkerKillPoint,
  dealIds: readonly string[],
): Promise<boolean> {
  const sql = world.database.sql;
  const count = async () => {
    const [row] = await sql<[{ runs: number; applied: number; rows: number }]>`
      select (select count(*)::int from runs) as runs,
        (select count(*)::int from provenance where action = 'applied') as applied,
        (select count(*)::int from provenance) as rows`;
    return row;
  };
  const before = await count();
  let approved = 0;
  if (at === 'fan-out') {
    const runId = randomUUID();
    await chaos.producer.add('runs', [
      { id: `run-${runId}`, data: { runId, apply: true, dealIds: [...dealIds] } },
    ]);
  } else {
    const pending = await sql<Array<{ id: string }>>`
      select id from proposals where status = 'pending' and not dry_run`;
    for (const p of pending) await approveProposal(world.database, p.id);
    approved = pending.length;
  }
  const worker = startWorkerProcess(chaos.env);
  const started = Date.now();
  // With nothing approved (earlier runs were cut short), the kill lands among the deal
  // jobs the killed workers left instead.
  const begun = (now: typeof before) =>
    at === 'fan-out'
      ? now.runs > before.runs
      : approved > 0
        ? now.applied > before.applied
        : now.rows > before.rows;
  for (;;) {
    if (worker.done() || Date.now() - started > 30_000) break;
    if (begun(await count())) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  if (!worker.done()) await new Promise((r) => setTimeout(r, random() * maxDelayMs));
  const [unfinished] = await sql<[{ n: number }]>`
    select (select count(*)::int from runs where status = 'running')
      + (select count(*)::int from proposals where status = 'approved') as n`;
  worker.child.kill('SIGKILL');
  await worker.exited;
  return unfinished.n > 0;
}

/**
 * A worker round: the deals split in `n / 2` slices; for each, a live run killed
 * mid-fan-out, then the approvals pending so far killed mid-apply. Returns how many kills
 * left work unfinished.
 */
export async function killWorkers(
  world: ChaosWorld,
  chaos: WorkerChaos,
  random: () => number,
  n: number,
): Promise<number> {
  let killed = 0;
  const per = Math.ceil(world.dealIds.length / Math.ceil(n / 2));
  for (let t = 0; t < n; t++) {
    const fanOut = t % 2 === 0;
    const slice = world.dealIds.slice((t >> 1) * per, ((t >> 1) + 1) * per);
    const at = fanOut ? 'fan-out' : 'apply';
    if (await killWorkerOnce(world, chaos, random, fanOut ? 800 : 150, at, slice)) killed += 1;
  }
  return killed;
}

/**
 * After the kills: one healthy worker finishes (or ends) everything the killed ones left —
 * runs resumed or marked interrupted, approvals applied — and stops with SIGTERM.
 */
export async function drainWorkers(world: ChaosWorld, chaos: WorkerChaos): Promise<void> {
  const sql = world.database.sql;
  const worker = startWorkerProcess(chaos.env);
  try {
    await until(
      async () => {
        const [row] = await sql<[{ n: number }]>`
          select (select count(*)::int from runs where status = 'running')
            + (select count(*)::int from proposals where status = 'approved') as n`;
        return row.n === 0;
      },
      'every run ended and every approval applied',
      120_000,
    );
  } catch (error) {
    const left = await sql`
      select r.id, r.status, r.fanout_done, r.lease_until, now() as now,
        (select count(*)::int from run_deals d where d.run_id = r.id and d.state = 'queued') as queued,
        (select count(*)::int from proposals p where p.run_id = r.id and p.status = 'approved') as approved
      from runs r where r.status = 'running'
        or exists (select 1 from proposals p where p.run_id = r.id and p.status = 'approved')`;
    throw new Error(`${(error as Error).message}: ${JSON.stringify(left)}`);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
}

export interface ChaosFindings {
  /** CRM values that differ from the seed. */
  crmChanges: number;
  /** Of those, values no live write row explains (the log's latest change to the field says otherwise). */
  unattributed: number;
  /** (deal, field, value) written live more than once. */
  duplicated: number;
  /** Skipped rows that credit the rep with a value Scout wrote. */
  creditedToRep: number;
  /** Runs still `running` after their leases lapsed. */
  leftRunning: number;
  /** Runs interrupted (killed), as marked by whoever noticed. */
  interrupted: number;
  /** Interrupted runs that committed pages but whose summary says they scanned nothing. */
  interruptedWithoutCoverage: number;
  /** Fields that differ from the seed after undoing every run. */
  undoDifferences: number;
  /** `scout log --verify`'s exit code (0: the chain verifies). */
  verifyExit: number;
}

/**
 * Audits the whole state after the kills: waits out the leases, runs one clean live run
 * (which notices the interrupted runs and settles open intents, as the next run would),
 * checks the CRM against the log, then undoes every run, newest first, and compares the
 * CRM with the seed.
 */
export async function auditChaos(world: ChaosWorld): Promise<ChaosFindings> {
  await new Promise((r) => setTimeout(r, CHAOS_LEASE_SECONDS * 1000 + 300));
  await must(['run', '--apply', '--json'], world.env);
  const sql = world.database.sql;
  const now = await world.current();
  const writes = await sql<Array<{ record_id: string; field: string; new_value: PropertyValue }>>`
    select distinct on (record_id, field) record_id, field, new_value from provenance
    where action in ('written', 'applied', 'undone') and not dry_run
    order by record_id, field, id desc`;
  const lastWrite = new Map(writes.map((w) => [`${w.record_id}/${w.field}`, w.new_value]));
  let crmChanges = 0;
  let unattributed = 0;
  for (const [id, props] of now) {
    const before = world.seed.get(id) ?? {};
    for (const field of new Set([...Object.keys(props), ...Object.keys(before)])) {
      const value = props[field] ?? null;
      if (same(value, before[field] ?? null)) continue;
      crmChanges += 1;
      if (!same(lastWrite.get(`${id}/${field}`) ?? null, value)) unattributed += 1;
    }
  }
  const [dup] = await sql<[{ n: number }]>`
    select count(*)::int as n from (
      select record_id, field, new_value from provenance
      where action in ('written', 'applied') and not dry_run
      group by record_id, field, new_value having count(*) > 1) d`;
  const [credited] = await sql<[{ n: number }]>`
    select count(*)::int as n from provenance s
    where s.action = 'skipped' and s.reason = 'the rep''s value already says this'
      and exists (select 1 from provenance w where w.record_id = s.record_id
        and w.field = s.field and w.action in ('written', 'applied') and not w.dry_run
        and w.new_value = s.new_value and w.id < s.id)`;
  const [running] = await sql<[{ n: number }]>`
    select count(*)::int as n from runs where status = 'running'`;
  const [interrupted] = await sql<[{ n: number }]>`
    select count(*)::int as n from runs where status = 'interrupted'`;
  const [uncovered] = await sql<[{ n: number }]>`
    select count(*)::int as n from runs r where r.status = 'interrupted' and r.scanned = 0
      and exists (select 1 from provenance p where p.run_id = r.id
        -- Rows that recovery logged for the dead run are not pages the run committed.
        and p.reason not like 'recovered:%' and p.reason not like 'interrupted before the write%')`;
  const toUndo = await sql<Array<{ id: string }>>`
    select id from runs where kind <> 'undo' order by started_at desc, id desc`;
  for (const run of toUndo) await must(['undo', '--run', run.id, '--apply', '--json'], world.env);
  const after = await world.current();
  let undoDifferences = 0;
  for (const [id, props] of after) {
    const before = world.seed.get(id) ?? {};
    for (const field of new Set([...Object.keys(props), ...Object.keys(before)]))
      if (!same(props[field] ?? null, before[field] ?? null)) undoDifferences += 1;
  }
  const verify = await scout(['log', '--verify'], world.env);
  return {
    crmChanges,
    unattributed,
    duplicated: dup.n,
    creditedToRep: credited.n,
    leftRunning: running.n,
    interrupted: interrupted.n,
    interruptedWithoutCoverage: uncovered.n,
    undoDifferences,
    verifyExit: verify.code,
  };
}

function same(a: PropertyValue, b: PropertyValue): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
