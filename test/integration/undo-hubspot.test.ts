import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SeedFile } from '../../src/crm/seed-file.js';
import { DEFAULT_POLICY_PATH } from '../../src/policy-file.js';
import { scout } from '../support/cli.js';
import { type HubSpotStandIn, startHubSpotStandIn } from '../support/hubspot-stand-in.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const LIVE = { LIVE_WRITES: '1' };
const DEALS = ['20001', '20002', '20003'];

/**
 * Three deals with a number field Scout suggests into (`scout_seats`, itself a number)
 * and a date field it fills on its own (`go_live`, auto while empty): one deal gets
 * both, one has an earlier suggestion overwritten and a rep's date left alone, one gets
 * only the date.
 */
function fixture(dir: string): { seed: string; replay: string; policy: string } {
  const body = (seats: number, goLive: string) =>
    `We need ${seats} seats for the rollout. Go-live is planned for ${goLive}.`;
  const note = (deal: string, seats: number, goLive: string) => ({
    id: `${deal}01`,
    type: 'meeting' as const,
    created_at: '2026-11-20T15:00:00Z',
    body: body(seats, goLive),
  });
  const seed: SeedFile = {
    users: [{ id: '101', name: 'Ana Ruiz', email: 'ana@example.com', slack_user_id: 'U01ANA' }],
    properties: [
      { name: 'seats', label: 'Seats', type: 'number' },
      { name: 'go_live', label: 'Go-live date', type: 'date' },
    ],
    deals: [
      {
        id: '20001',
        name: 'Acme',
        owner_id: '101',
        properties: { amount: 1000 },
        notes: [note('20001', 120, '2027-03-01')],
      },
      {
        id: '20002',
        name: 'Globex',
        owner_id: '101',
        properties: { amount: 2000, go_live: '2027-06-30' },
        notes: [note('20002', 250, '2027-04-15')],
      },
      {
        id: '20003',
        name: 'Initech',
        owner_id: '101',
        properties: {},
        notes: [note('20003', 0, '2027-05-02')],
      },
    ],
  };
  const finding = (
    deal: string,
    field: string,
    value: string | number,
    quote: string,
    confidence: number,
  ) => ({
    field,
    value,
    note_id: `${deal}01`,
    quote,
    confidence,
  });
  const replay = {
    '20001': [
      finding('20001', 'seats', 120, 'We need 120 seats for the rollout.', 0.8),
      finding('20001', 'go_live', '2027-03-01', 'Go-live is planned for 2027-03-01.', 0.95),
    ],
    '20002': [
      finding('20002', 'seats', 250, 'We need 250 seats for the rollout.', 0.8),
      finding('20002', 'go_live', '2027-04-15', 'Go-live is planned for 2027-04-15.', 0.95),
    ],
    '20003': [
      finding('20003', 'go_live', '2027-05-02', 'Go-live is planned for 2027-05-02.', 0.95),
    ],
  };
  const policy = readFileSync(DEFAULT_POLICY_PATH, 'utf8').replace(
    '      dealstage: { write: never, label: Stage }',
    [
      '      seats: { write: suggest, label: Seats }',
      '      go_live: { write: auto, label: Go-live date }',
      '      dealstage: { write: never, label: Stage }',
    ].join('\n'),
  );
  const paths = {
    seed: join(dir, 'seed.json'),
    replay: join(dir, 'replay.json'),
    policy: join(dir, 'policy.yml'),
  };
  writeFileSync(paths.seed, JSON.stringify(seed));
  writeFileSync(paths.replay, JSON.stringify(replay));
  writeFileSync(paths.policy, policy);
  return paths;
}

describe('scout undo on HubSpot (stand-in)', () => {
  let standIn: HubSpotStandIn;
  let database: TestDatabase;
  afterEach(async () => {
    await database?.destroy();
    await standIn?.close();
  });

  it('puts every deal back as it was before a live run that wrote numbers and dates', async () => {
    const files = fixture(mkdtempSync(join(tmpdir(), 'scout-undo-hubspot-')));
    standIn = await startHubSpotStandIn();
    standIn.load(JSON.parse(readFileSync(files.seed, 'utf8')) as SeedFile);
    database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      SCOUT_CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: standIn.token,
      HUBSPOT_BASE_URL: standIn.url,
      SCOUT_EXTRACTOR: 'replay',
      SCOUT_REPLAY_FILE: files.replay,
      SCOUT_POLICY: files.policy,
      ...LIVE,
    };
    const hubspot = async (args: string[]) => {
      const r = await scout(args, env);
      if (r.code !== 0 || r.stderr !== '')
        throw new Error(`scout ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    };
    await hubspot(['setup-fields', '--apply']);
    // An earlier suggestion the run overwrites, so one restore puts a number back rather than clearing.
    standIn.setDealProperty('20002', 'scout_seats', '40');
    const before = Object.fromEntries(DEALS.map((id) => [id, { ...standIn.deal(id) }]));
    const changesBefore = standIn.changes.length;

    const run = JSON.parse(await hubspot(['run', '--apply', '--json']));
    expect(run.mode).toBe('live');
    const written = standIn.changes
      .slice(changesBefore)
      .map(([deal, property]) => `${deal}.${property}`);
    expect(written.sort()).toEqual([
      '20001.go_live',
      '20001.scout_seats',
      '20002.scout_seats',
      '20003.go_live',
    ]);
    expect(run.counts.written).toBe(4);
    expect(standIn.deal('20002')?.go_live).toBe(before['20002']?.go_live);

    const undo = JSON.parse(await hubspot(['undo', '--run', run.run_id, '--apply', '--json']));
    expect(undo.mode).toBe('live');
    expect(undo.counts).toMatchObject({ undone: 4, conflict: 0, failed: 0, would_undo: 0 });
    for (const id of DEALS) expect(standIn.deal(id), id).toEqual(before[id]);
    // Three fields were empty before the run: undo cleared them, the one path allowed to.
    expect(standIn.cleared.map(([deal, property]) => `${deal}.${property}`).sort()).toEqual([
      '20001.go_live',
      '20001.scout_seats',
      '20003.go_live',
    ]);
  });
});
