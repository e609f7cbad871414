// `npm run chaos`: SPEC G19 and G20 at full size. `scout run --apply` is killed with SIGKILL
// at random moments, CHAOS_TRIALS times per CRM (default 100, so 200 kills), in rounds of
// CHAOS_ROUND kills followed by a full audit; the table adds the rounds up.
import { auditChaos, type ChaosCrm, chaosWorld, killRunOnce, rng } from '../test/support/chaos.js';
import { dropOwnTemplate } from '../test/support/test-database.js';
import { printTable } from './table.js';

const trials = Number(process.env.CHAOS_TRIALS ?? 100);
const round = Number(process.env.CHAOS_ROUND ?? 20);
const deals: Record<ChaosCrm, number> = { local: 300, hubspot: 60 };
const maxDelayMs: Record<ChaosCrm, number> = { local: 600, hubspot: 300 };

const rows: string[][] = [];
try {
  for (const crm of ['local', 'hubspot'] as const) {
    const total = {
      trials: 0,
      killed: 0,
      crmChanges: 0,
      unattributed: 0,
      duplicated: 0,
      creditedToRep: 0,
      leftRunning: 0,
      interrupted: 0,
      interruptedWithoutCoverage: 0,
      undoDifferences: 0,
      verifyFailures: 0,
    };
    const random = rng(Number(process.env.CHAOS_SEED ?? 2026));
    for (let done = 0; done < trials; done += round) {
      const world = await chaosWorld(crm, deals[crm]);
      try {
        const n = Math.min(round, trials - done);
        for (let t = 0; t < n; t++) {
          total.trials += 1;
          const from = t % 2 ? 'writing' : 'recorded';
          if (await killRunOnce(world, random, maxDelayMs[crm], from)) total.killed += 1;
        }
        const f = await auditChaos(world);
        total.crmChanges += f.crmChanges;
        total.unattributed += f.unattributed;
        total.duplicated += f.duplicated;
        total.creditedToRep += f.creditedToRep;
        total.leftRunning += f.leftRunning;
        total.interrupted += f.interrupted;
        total.interruptedWithoutCoverage += f.interruptedWithoutCoverage;
        total.undoDifferences += f.undoDifferences;
        if (f.verifyExit !== 0) total.verifyFailures += 1;
      } finally {
        await world.close();
      }
      console.error(`chaos: ${crm} ${Math.min(done + round, trials)}/${trials} trials`);
    }
    rows.push([
      crm === 'local' ? 'scout run, local CRM' : 'scout run, HubSpot stand-in (30 ms)',
      ...Object.values(total).map(String),
    ]);
  }
} finally {
  await dropOwnTemplate();
}
printTable(
  [
    'path',
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
  ],
  rows,
);
