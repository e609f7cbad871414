import { afterEach, describe, expect, it } from 'vitest';
import { auditChaos, type ChaosWorld, chaosWorld, killRunOnce, rng } from '../support/chaos.js';
import { expectWhole } from '../support/chaos-expect.js';

/**
 * docs/guarantees.md#g19 and G20 under SIGKILL on a remote CRM, CI-sized (`npm run chaos` runs
 * the full size): each trial starts `scout run --apply` against the HubSpot stand-in and kills
 * it at a random moment, often between a request and its record; then the whole state is audited.
 */
const worlds: ChaosWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

describe('SIGKILL at random points on HubSpot (G19, G20)', () => {
  it('scout run --apply on HubSpot (stand-in, 30 ms a request), killed 10 times between request and answer: intents settle every write', async () => {
    const world = await chaosWorld('hubspot', 40);
    worlds.push(world);
    const standIn = world.standIn;
    if (!standIn) throw new Error('no stand-in');
    const random = rng(17);
    let killed = 0;
    for (let trial = 0; trial < 10; trial++)
      if (await killRunOnce(world, random, 300, trial % 3 ? 'writing' : 'recorded')) killed += 1;
    expect(killed).toBeGreaterThanOrEqual(7);
    const findings = await auditChaos(world);
    expectWhole(findings);
    // Nothing was sent twice either: each (deal, property, value) reached the portal once
    // on the way in, and once more only when undo put the seed value back.
    const forward = new Map<string, number>();
    for (const [deal, property, value] of standIn.changes)
      if (value !== '')
        forward.set(
          `${deal}/${property}/${value}`,
          (forward.get(`${deal}/${property}/${value}`) ?? 0) + 1,
        );
    for (const [key, n] of forward) expect(n, key).toBe(1);
    const recovered = await world.database.sql<[{ n: number }]>`
      select count(*)::int as n from write_intents where outcome like 'recovered%'`;
    const open = await world.database.sql<[{ n: number }]>`
      select count(*)::int as n from write_intents where settled_at is null`;
    expect(open[0].n).toBe(0);
    // Kills landed between a request and its record at least once (30 ms a request).
    expect(recovered[0].n).toBeGreaterThan(0);
  }, 600_000);
});
