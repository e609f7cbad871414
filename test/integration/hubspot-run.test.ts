import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scout } from '../support/cli.js';
import { type HubSpotStandIn, startHubSpotStandIn } from '../support/hubspot-stand-in.js';
import { numericPipeline } from '../support/hubspot-stand-in-seed.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const DEALS = 500;
const LIVE = { LIVE_WRITES: '1' };

/** A provenance row without what differs between two runs by nature (ids, times). */
function decision(row: Record<string, unknown>) {
  const { id, run_id, created_at, proposal_id, ...rest } = row;
  return rest;
}
const order = (rows: Array<Record<string, unknown>>) =>
  rows.map(decision).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe(`scout run on HubSpot (stand-in) with ${DEALS} deals`, () => {
  let local: ScoutHarness;
  let database: TestDatabase;
  let standIn: HubSpotStandIn;
  let env: Record<string, string>;
  const { seed, replay } = numericPipeline(DEALS, 5);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scout-hubspot-run-'));
    writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
    writeFileSync(join(dir, 'replay.json'), JSON.stringify(replay));
    local = await createHarness({
      seed: join(dir, 'seed.json'),
      replay: join(dir, 'replay.json'),
      policy: AUTO_NEXT_STEP_POLICY,
    });
    standIn = await startHubSpotStandIn();
    standIn.load(seed);
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      SCOUT_CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: standIn.token,
      HUBSPOT_BASE_URL: standIn.url,
      HUBSPOT_REQUESTS_PER_10S: '5000',
      HUBSPOT_SEARCH_PER_SECOND: '50',
      SCOUT_EXTRACTOR: 'replay',
      SCOUT_REPLAY_FILE: join(dir, 'replay.json'),
      SCOUT_POLICY: AUTO_NEXT_STEP_POLICY,
    };
  });
  afterAll(async () => {
    await local?.database.destroy();
    await database?.destroy();
    await standIn?.close();
  });

  const hubspot = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await scout(args, { ...env, ...extra });
    if (r.code !== 0 || r.stderr !== '')
      throw new Error(`scout ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };

  it('makes the same decisions as on the local CRM, and writes the same values', async () => {
    await hubspot(['setup-fields', '--apply'], LIVE);
    const onLocal = await local.runJson(['--apply'], LIVE);
    const onHubSpot = JSON.parse(await hubspot(['run', '--apply', '--json'], LIVE));
    expect(onHubSpot.mode).toBe('live');
    expect(onHubSpot.scanned).toBe(DEALS);
    expect(onHubSpot.counts).toEqual(onLocal.counts);
    expect(onHubSpot.deals).toEqual(onLocal.deals);
    expect(onLocal.counts.written).toBeGreaterThan(DEALS);
    expect(onLocal.counts.proposed).toBeGreaterThan(0);

    const localRows = await local.log();
    const hubspotRows = (await hubspot(['log', '--json']))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(hubspotRows).toHaveLength(localRows.length);
    expect(order(hubspotRows)).toEqual(order(localRows));

    // What HubSpot holds now is what the local CRM holds; only agent fields and the auto field changed.
    // (HubSpot keeps the close date as a datetime: midnight UTC of the date.)
    const asHeld = (k: string, v: unknown) =>
      k === 'closedate' ? `${v}T00:00:00.000Z` : String(v);
    const dump = await local.dump();
    for (const d of dump.deals) {
      const held = standIn.deal(d.id) ?? {};
      for (const [k, v] of Object.entries(d.properties))
        if (v !== null) expect(held[k], `${d.id}.${k}`).toBe(asHeld(k, v));
    }
    expect(new Set(standIn.changes.map(([, p]) => p))).toEqual(
      new Set(['scout_economic_buyer', 'scout_champion', 'next_step']),
    );
    expect(standIn.cleared).toEqual([]);

    // Calls per 100 deals: 1 list + 4 association reads + 5 activity reads (500 activities)
    // + 3 for the writes (read, update, read back), plus a few per run. Notes never cost a call each.
    expect(onHubSpot.hubspot_api_calls).toBeGreaterThan(0);
    expect(onHubSpot.hubspot_api_calls / (DEALS / 100)).toBeLessThanOrEqual(14);
    expect(onLocal.hubspot_api_calls).toBeUndefined();
  });

  it('a re-run with nothing new writes nothing and reads in batches', async () => {
    const again = JSON.parse(await hubspot(['run', '--apply', '--json'], LIVE));
    expect(again.counts.written).toBe(0);
    expect(again.deals.no_new_notes).toBe(DEALS);
    expect(again.hubspot_api_calls / DEALS).toBeLessThanOrEqual(0.11);
    const text = await hubspot(['run']);
    expect(text).toMatch(/^HubSpot API calls: \d+ \(\d+\.\d per 100 deals\)$/m);
  });
});
