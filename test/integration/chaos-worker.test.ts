import { afterEach, describe, expect, it } from 'vitest';
import {
  auditChaos,
  type ChaosWorld,
  chaosWorld,
  drainWorkers,
  killWorkers,
  rng,
  type WorkerChaos,
  workerChaos,
} from '../support/chaos.js';
import { expectWhole } from '../support/chaos-expect.js';

/**
 * docs/guarantees.md#g19 and G20 for `scout worker`, CI-sized (`npm run chaos` runs the full size): each
 * trial kills a worker process with SIGKILL mid-fan-out (a scheduled live run's deal jobs
 * in flight) or mid-apply (approvals being written), the next trial's worker inherits what
 * it left; then one healthy worker drains the queue and the whole state is audited.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('scout worker under SIGKILL (G19, G20)', () => {
  it('killed 12 times mid-fan-out and mid-apply: every change logged once, every approval applied once, every run ended, undo restores the seed', async () => {
    const world: ChaosWorld = await chaosWorld('local', 240);
    cleanups.push(() => world.close());
    const chaos: WorkerChaos = await workerChaos(world);
    cleanups.push(() => chaos.close());
    const random = rng(19);
    const slices = 6;
    const killedWithWorkLeft = await killWorkers(world, chaos, random, 2 * slices);
    expect(killedWithWorkLeft).toBeGreaterThanOrEqual(8);
    await drainWorkers(world, chaos);

    const sql = world.database.sql;
    const [approvals] = await sql<[{ decided: number; applied: number; once: number }]>`
      select count(*)::int as decided,
        count(*) filter (where status = 'applied')::int as applied,
        count(*) filter (where (select count(*) from provenance v
          where v.proposal_id = p.id and v.action = 'applied') = 1)::int as once
      from proposals p where status not in ('pending', 'expired')`;
    expect(approvals.decided).toBeGreaterThan(0);
    expect(approvals.applied).toBe(approvals.decided);
    expect(approvals.once).toBe(approvals.decided);
    // Each trial's worker started within the lease: it resumed the killed one's run, to its end.
    const [runs] = await sql<[{ worker: number; completed: number }]>`
      select count(*)::int as worker,
        count(*) filter (where status = 'completed')::int as completed
      from runs where kind = 'extract'`;
    expect(runs.worker).toBe(slices);
    expect(runs.completed).toBe(runs.worker);

    expectWhole(await auditChaos(world));
  }, 600_000);
});
