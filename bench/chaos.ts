// `npm run chaos`: docs/guarantees.md#g19 and G20 at full size. Three paths are killed with SIGKILL at
// random moments: `scout run --apply` on the local CRM, the same on the HubSpot stand-in
// (30 ms a request, so kills land between request and answer), and `scout worker`
// mid-fan-out and mid-apply. CHAOS_TRIALS kills per path (default 100, so 300 in all), in
// rounds of CHAOS_ROUND kills (default 20; 12 for the worker) each followed by a full audit
// in a fresh world; the table adds the rounds up.
import {
  auditChaos,
  type ChaosFindings,
  type ChaosWorld,
  chaosWorld,
  drainWorkers,
  killRunOnce,
  killWorkers,
  rng,
  workerChaos,
} from '../test/support/chaos.js';
import { dropOwnTemplate } from '../test/support/test-database.js';
import { printTable } from './table.js';

const trials = Number(process.env.CHAOS_TRIALS ?? 100);
const round = Number(process.env.CHAOS_ROUND ?? 20);
const random = rng(Number(process.env.CHAOS_SEED ?? 2026));

interface Path {
  readonly name: string;
  readonly round: number;
  world(): Promise<ChaosWorld>;
  /** Kills `n` times in `world`, leaves it ready for the audit; returns how many kills left work unfinished. */
  kill(world: ChaosWorld, n: number): Promise<number>;
}

const cliPath = (crm: 'local' | 'hubspot'): Path => ({
  name: crm === 'local' ? 'scout run, local CRM' : 'scout run, HubSpot stand-in (30 ms)',
  round,
  world: () => chaosWorld(crm, crm === 'local' ? 300 : 60),
  async kill(world, n) {
    let killed = 0;
    for (let t = 0; t < n; t++)
      if (
        await killRunOnce(
          world,
          random,
          crm === 'local' ? 600 : 300,
          t % 2 ? 'writing' : 'recorded',
        )
      )
        killed += 1;
    return killed;
  },
});

/** Each worker round: six slices of 40 deals, each a run killed mid-fan-out, then its approvals killed mid-apply. */
const workerPath: Path = {
  name: 'scout worker, mid-fan-out and mid-apply',
  round: 12,
  world: () => chaosWorld('local', 240),
  async kill(world, n) {
    const chaos = await workerChaos(world);
    try {
      const killed = await killWorkers(world, chaos, random, n);
      await drainWorkers(world, chaos);
      return killed;
    } finally {
      await chaos.close();
    }
  },
};

const columns = [
  'trials',
  'killed mid-run',
  'CRM changes',
  'unattributed',
  'duplicated',
  'credited to rep',
  'runs left running',
  'interrupted',
  'interrupted, no coverage',
  'undo differences',
  'verify failures',
] as const;

const rows: string[][] = [];
try {
  for (const path of [cliPath('local'), cliPath('hubspot'), workerPath]) {
    const total = Object.fromEntries(columns.map((c) => [c, 0])) as Record<
      (typeof columns)[number],
      number
    >;
    for (let done = 0; done < trials; done += path.round) {
      const world = await path.world();
      try {
        const n = Math.min(path.round, trials - done);
        total.trials += n;
        total['killed mid-run'] += await path.kill(world, n);
        add(total, await auditChaos(world));
      } finally {
        await world.close();
      }
      console.error(`chaos: ${path.name} ${Math.min(done + path.round, trials)}/${trials} trials`);
    }
    rows.push([path.name, ...columns.map((c) => String(total[c]))]);
    // A long run that is stopped early still leaves each finished path's figures.
    console.error(`chaos: ${path.name} done: ${JSON.stringify(total)}`);
  }
} finally {
  await dropOwnTemplate();
}
printTable(['path', ...columns], rows);

function add(total: Record<(typeof columns)[number], number>, f: ChaosFindings): void {
  total['CRM changes'] += f.crmChanges;
  total.unattributed += f.unattributed;
  total.duplicated += f.duplicated;
  total['credited to rep'] += f.creditedToRep;
  total['runs left running'] += f.leftRunning;
  total.interrupted += f.interrupted;
  total['interrupted, no coverage'] += f.interruptedWithoutCoverage;
  total['undo differences'] += f.undoDifferences;
  if (f.verifyExit !== 0) total['verify failures'] += 1;
}
