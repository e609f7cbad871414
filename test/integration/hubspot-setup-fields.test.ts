import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toPropertyCreate } from '../../src/crm/hubspot/property-types.js';
import { scout } from '../support/cli.js';
import { type HubSpotStandIn, startHubSpotStandIn } from '../support/hubspot-stand-in.js';
import { numericPipeline } from '../support/hubspot-stand-in-seed.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('scout setup-fields on HubSpot', () => {
  let database: TestDatabase;
  let standIn: HubSpotStandIn;
  let env: Record<string, string>;
  beforeEach(async () => {
    database = await createTestDatabase();
    standIn = await startHubSpotStandIn();
    standIn.load(numericPipeline(3, 1).seed);
    env = {
      DATABASE_URL: database.url,
      SCOUT_CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: standIn.token,
      HUBSPOT_BASE_URL: standIn.url,
    };
  });
  afterEach(async () => {
    await database.destroy();
    await standIn.close();
  });

  const run = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await scout(['setup-fields', ...args], { ...env, ...extra });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  };
  const posts = () =>
    standIn.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/crm/v3/properties/'));
  const row = (out: string, property: string) =>
    out.split('\n').find((l) => l.includes(` ${property} `)) ?? '';

  it('prints what it would create unless both locks are open, creates it once, then does nothing', async () => {
    for (const dry of [
      await run([]),
      await run(['--apply']),
      await run([], { LIVE_WRITES: '1' }),
    ]) {
      expect(dry.split('\n')[0]).toBe('DRY RUN — nothing was written');
      expect(row(dry, 'scout')).toMatch(/group.*would_create/);
      expect(row(dry, 'scout_economic_buyer')).toMatch(/text.*would_create/);
      expect(row(dry, 'scout_metrics')).toMatch(/rep_field_missing/);
    }
    expect(posts()).toEqual([]);
    expect(standIn.groups.has('scout')).toBe(false);

    const live = await run(['--apply'], { LIVE_WRITES: '1' });
    expect(live.split('\n')[0]).toBe('LIVE');
    expect(row(live, 'scout')).toMatch(/group.*created/);
    for (const field of ['economic_buyer', 'competition', 'champion'])
      expect(row(live, `scout_${field}`)).toMatch(/text.*created/);
    expect(standIn.groups.has('scout')).toBe(true);
    expect(standIn.properties.get('scout_economic_buyer')).toMatchObject({
      groupName: 'scout',
      label: 'Scout: Economic buyer',
      type: 'string',
      fieldType: 'textarea',
    });
    // Only suggest fields get a scout_* property (next_step is auto, closedate approve).
    expect([...standIn.properties.keys()].filter((k) => k.startsWith('scout_')).sort()).toEqual([
      'scout_champion',
      'scout_competition',
      'scout_economic_buyer',
    ]);
    const made = posts().length;
    expect(made).toBe(4);

    const again = await run(['--apply'], { LIVE_WRITES: '1' });
    expect(row(again, 'scout')).toMatch(/group.*exists/);
    expect(row(again, 'scout_economic_buyer')).toMatch(/exists/);
    expect(posts()).toHaveLength(made);
  });

  it('reports a scout_* property of the wrong type instead of touching it', async () => {
    standIn.groups.add('scout');
    standIn.defineProperty(
      toPropertyCreate({ name: 'scout_competition', label: 'Hand-made', type: 'number' }, 'scout'),
    );
    const out = await run(['--apply'], { LIVE_WRITES: '1' });
    expect(row(out, 'scout_competition')).toMatch(/type_mismatch.*exists as number; expected text/);
    expect(standIn.properties.get('scout_competition')?.type).toBe('number');
  });
});
