import { afterEach, describe, expect, it } from 'vitest';
import { auditChaos, type ChaosWorld, chaosWorld, killRunOnce, rng } from '../support/chaos.js';
import { expectWhole } from '../support/chaos-expect.js';

/**
 * docs/guarantees.md#g19 and G20 under SIGKILL, CI-sized (`npm run chaos` runs the full size; the HubSpot path is in
 * chaos-hubspot.test.ts, so the two run side by side): each
 * trial starts `scout run --apply` in its own process and kills it at a random moment
 * after its run is recorded; then the whole state is audited.
 */
const worlds: ChaosWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

describe('SIGKILL at random points (G19, G20)', () => {
  it('scout run --apply on the local CRM, killed 20 times: every change logged once, every run ended, undo restores the seed', async () => {
    const world = await chaosWorld('local', 300);
    worlds.push(world);
    const random = rng(13);
    let killed = 0;
    for (let trial = 0; trial < 20; trial++)
      if (await killRunOnce(world, random, 600, trial % 2 ? 'writing' : 'recorded')) killed += 1;
    expect(killed).toBeGreaterThanOrEqual(15);
    const findings = await auditChaos(world);
    expectWhole(findings);
    // A kill can land after the run committed its end, while the process was closing.
    expect(findings.interrupted).toBeGreaterThan(0);
  }, 600_000);
});
