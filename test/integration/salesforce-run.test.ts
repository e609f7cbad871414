import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSalesforceCrm } from '../../src/crm/salesforce/open-salesforce-crm.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import type { ProposalRow } from '../../src/domain/proposal.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../src/policy-file.js';
import { applyProposal } from '../../src/services/apply-proposal.js';
import { recordDecision } from '../../src/services/record-decision.js';
import { scout } from '../support/cli.js';
import { numericPipeline } from '../support/hubspot-stand-in-seed.js';
import {
  apiNameOf,
  type SalesforceStandIn,
  startSalesforceStandIn,
} from '../support/salesforce-stand-in.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const DEALS = 500;
const LIVE = { LIVE_WRITES: '1' };

/**
 * A provenance row without what differs between two runs by nature (ids, times). The
 * stage field is `dealstage` on the local CRM and `StageName` (Scout: `stagename`) on
 * Salesforce; the policy names each CRM's own.
 */
function decision(row: Record<string, unknown>) {
  const { id, run_id, created_at, proposal_id, ...rest } = row;
  return rest.field === 'stagename'
    ? { ...rest, field: 'dealstage', reason: String(rest.reason).replace('stagename', 'dealstage') }
    : rest;
}
const order = (rows: Array<Record<string, unknown>>) =>
  rows.map(decision).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe(`scout run on Salesforce (stand-in) with ${DEALS} opportunities`, () => {
  let local: ScoutHarness;
  let database: TestDatabase;
  let standIn: SalesforceStandIn;
  let env: Record<string, string>;
  let firstRunId = '';
  const { seed, replay } = numericPipeline(DEALS, 5);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scout-salesforce-run-'));
    writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
    writeFileSync(join(dir, 'replay.json'), JSON.stringify(replay));
    // The same findings, the stage one under Salesforce's name for the field.
    writeFileSync(
      join(dir, 'salesforce-replay.json'),
      JSON.stringify(replay).replaceAll('"field":"dealstage"', '"field":"stagename"'),
    );
    // The auto lane is an explicit opt-in (the shipped policy has none): these runs write next_step.
    const policy = readFileSync(AUTO_NEXT_STEP_POLICY, 'utf8');
    writeFileSync(
      join(dir, 'salesforce.yml'),
      policy.replace('      dealstage: { write: never', '      stagename: { write: never'),
    );
    local = await createHarness({
      seed: join(dir, 'seed.json'),
      replay: join(dir, 'replay.json'),
      policy: AUTO_NEXT_STEP_POLICY,
    });
    standIn = await startSalesforceStandIn();
    standIn.load(seed);
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      SCOUT_CRM: 'salesforce',
      SALESFORCE_INSTANCE_URL: standIn.url,
      SALESFORCE_ACCESS_TOKEN: standIn.accessToken,
      SCOUT_EXTRACTOR: 'replay',
      SCOUT_REPLAY_FILE: join(dir, 'salesforce-replay.json'),
      SCOUT_POLICY: join(dir, 'salesforce.yml'),
    };
  });
  afterAll(async () => {
    await local?.database.destroy();
    await database?.destroy();
    await standIn?.close();
  });

  const salesforce = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await scout(args, { ...env, ...extra });
    if (r.code !== 0 || r.stderr !== '')
      throw new Error(`scout ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };

  it('makes the same decisions as on the local CRM, and writes the same values', async () => {
    const dry = await salesforce(['setup-fields']);
    expect(dry).toMatch(/would_create/);
    expect(standIn.field('Scout_Economic_Buyer__c')).toBeUndefined();
    await salesforce(['setup-fields', '--apply'], LIVE);
    expect(standIn.field('Scout_Economic_Buyer__c')).toMatchObject({ type: 'textarea' });

    const onLocal = await local.runJson(['--apply'], LIVE);
    const before = standIn.requests.length;
    const onSalesforce = JSON.parse(await salesforce(['run', '--apply', '--json'], LIVE));
    firstRunId = onSalesforce.run_id;
    expect(onSalesforce.mode).toBe('live');
    expect(onSalesforce.scanned).toBe(DEALS);
    expect(onSalesforce.counts).toEqual(onLocal.counts);
    expect(onSalesforce.deals).toEqual(onLocal.deals);
    expect(onLocal.counts.written).toBeGreaterThan(DEALS);

    const localRows = await local.log();
    const salesforceRows = (await salesforce(['log', '--json']))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const [a, b] = [order(salesforceRows), order(localRows)];
    expect(salesforceRows.map((r) => r.reason)).toContain('the policy says never for stagename');
    expect(a).toEqual(b);

    // What Salesforce holds now is what the local CRM holds.
    const dump = await local.dump();
    for (const d of dump.deals) {
      const held = standIn.opportunity(d.id) ?? {};
      for (const [k, v] of Object.entries(d.properties))
        if (v !== null) expect(held[apiNameOf(k)], `${d.id}.${k}`).toBe(v);
    }
    expect(new Set(standIn.changes.map(([, f]) => f))).toEqual(
      new Set(['Scout_Economic_Buyer__c', 'Scout_Champion__c', 'Next_Step__c']),
    );
    expect(standIn.cleared).toEqual([]);
    // Writes go in Collections of up to 200; reads are a few queries per page of deals.
    const sent = standIn.requests.slice(before);
    const collections = sent.filter((r) => r.path.endsWith('/composite/sobjects'));
    expect(collections.length).toBeGreaterThan(0);
    expect(collections.length).toBeLessThanOrEqual(Math.ceil(DEALS / 200) * 2);
    expect(sent.length / DEALS).toBeLessThanOrEqual(0.15);
  });

  it('a re-run with nothing new writes nothing and costs under 0.05 calls per deal', async () => {
    const before = standIn.requests.length;
    const again = JSON.parse(await salesforce(['run', '--apply', '--json'], LIVE));
    expect(again.counts.written).toBe(0);
    expect(again.deals.no_new_notes).toBe(DEALS);
    expect((standIn.requests.length - before) / DEALS).toBeLessThanOrEqual(0.05);
  });

  it('undoes the first run on Salesforce: every value Scout wrote goes back', async () => {
    const undo = JSON.parse(
      await salesforce(['undo', '--run', firstRunId, '--apply', '--json'], LIVE),
    );
    expect(undo.mode).toBe('live');
    expect(undo.counts.failed).toBe(0);
    expect(undo.counts.conflict).toBe(0);
    expect(undo.counts.undone).toBeGreaterThan(DEALS);
    for (const d of seed.deals) {
      const held = standIn.opportunity(d.id) ?? {};
      expect(held.Scout_Economic_Buyer__c ?? null, d.id).toBeNull();
      expect(held.Next_Step__c ?? null, d.id).toBeNull();
    }
  });
});

describe('scout run on Salesforce (stand-in): a rep edits between the read and the write', () => {
  let standIn: SalesforceStandIn;
  let database: TestDatabase;
  let env: () => Record<string, string> = () => ({});
  let runId = '';
  afterAll(async () => {
    await database?.destroy();
    await standIn?.close();
  });

  it('ends in a conflict, and the rep’s value stays', async () => {
    const { seed, replay } = numericPipeline(8, 5);
    const dir = mkdtempSync(join(tmpdir(), 'scout-salesforce-stale-'));
    writeFileSync(join(dir, 'replay.json'), JSON.stringify(replay));
    standIn = await startSalesforceStandIn();
    standIn.load(seed);
    database = await createTestDatabase();
    const vars = {
      DATABASE_URL: database.url,
      SCOUT_CRM: 'salesforce',
      SALESFORCE_INSTANCE_URL: standIn.url,
      SALESFORCE_ACCESS_TOKEN: standIn.accessToken,
      SCOUT_EXTRACTOR: 'replay',
      // The auto lane is an explicit opt-in (the shipped policy has none): these runs write next_step.
      SCOUT_POLICY: AUTO_NEXT_STEP_POLICY,
      SCOUT_REPLAY_FILE: join(dir, 'replay.json'),
      ...LIVE,
    };
    const target = seed.deals[1]?.id as string;
    let edited = false;
    // The rep types a next step after Scout read the deal, just before it compares and writes.
    standIn.fault = (r) => {
      const q = r.query.get('q') ?? '';
      if (!edited && q.startsWith('SELECT Id, LastModifiedDate,') && q.includes(`'${target}'`)) {
        edited = true;
        standIn.setField(target, 'Next_Step__c', 'Rep: call on Monday');
      }
      return undefined;
    };
    env = () => vars;
    const r = await scout(['run', '--apply', '--json'], vars);
    expect(r.stderr).toBe('');
    const run = JSON.parse(r.stdout);
    runId = run.run_id;
    expect(edited).toBe(true);
    expect(run.counts.written).toBeGreaterThan(0);
    const log = await scout(['log', '--json'], vars);
    const row = log.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((x) => x.record_id === target && x.field === 'next_step');
    expect(row).toMatchObject({
      action: 'skipped',
      reason: expect.stringMatching(/changed while the run was deciding.*Rep: call on Monday/),
    });
    expect(standIn.opportunity(target)?.Next_Step__c).toBe('Rep: call on Monday');
    expect(standIn.opportunity(seed.deals[0]?.id as string)?.Next_Step__c).toMatch(/^Demo/);
  });

  it('applies an approved close date with If-Unmodified-Since; a rep’s save in the gap makes it stale', async () => {
    const store = createProposalStore(database.db);
    const pending = (await store.currentOfRun(runId)).filter(
      (p) => p.field === 'closedate' && p.status === 'pending',
    );
    expect(pending.length).toBeGreaterThanOrEqual(2);
    const approve = async (row: ProposalRow) =>
      (await recordDecision(
        store,
        { id: row.id, version: row.version, status: 'approved', by: 'U01ANA', at: new Date() },
        {
          runId: row.runId,
          object: row.object,
          recordId: row.recordId,
          field: row.field,
          action: 'approved',
          reason: 'decided in the test',
          newValue: row.newValue,
          actor: 'slack:U01ANA',
          dryRun: row.dryRun,
          proposalId: row.id,
        },
      )) as ProposalRow;
    const [kept, raced] = [
      await approve(pending[0] as ProposalRow),
      await approve(pending[1] as ProposalRow),
    ];
    const deps = {
      crm: openSalesforceCrm({
        SALESFORCE_LOGIN_URL: standIn.url,
        SALESFORCE_INSTANCE_URL: standIn.url,
        SALESFORCE_ACCESS_TOKEN: standIn.accessToken,
        SALESFORCE_CLIENT_ID: undefined,
        SALESFORCE_USERNAME: undefined,
        SALESFORCE_PRIVATE_KEY_FILE: undefined,
        SALESFORCE_API_RESERVE: 0,
      }).crm,
      proposals: store,
      policy: loadPolicyFile(DEFAULT_POLICY_PATH),
      liveWrites: '1',
      isPaused: async () => false,
    };
    const before = standIn.requests.length;
    expect((await applyProposal(deps, kept.id))?.row.status).toBe('applied');
    expect(standIn.opportunity(kept.recordId)?.CloseDate).toBe(kept.newValue);
    const patch = standIn.requests.slice(before).find((r) => r.method === 'PATCH');
    expect(patch?.headers['if-unmodified-since']).toMatch(/GMT$/);

    standIn.beforeUpdate = (id) => {
      standIn.beforeUpdate = () => {};
      standIn.setField(id, 'CloseDate', '2031-01-31');
    };
    expect((await applyProposal(deps, raced.id))?.row.status).toBe('stale');
    expect(standIn.requests.filter((r) => r.method === 'PATCH').at(-1)?.status).toBe(412);
    expect(standIn.opportunity(raced.recordId)?.CloseDate).toBe('2031-01-31');
  });

  it('stops before the org’s daily API allocation runs out, and the summary says so', async () => {
    standIn.fault = () => undefined;
    standIn.dailyLimit = 10_000;
    standIn.apiUsage = 9_960;
    const r = await scout(['run', '--apply', '--rescan', '--json'], {
      ...env(),
      SALESFORCE_API_RESERVE: '50',
    });
    expect(r.stderr).toBe('');
    const run = JSON.parse(r.stdout);
    expect(run.scanned).toBe(0);
    expect(run.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SALESFORCE API LIMIT: the org has used 996\d of its 10000/),
      ]),
    );
    expect(standIn.apiUsage).toBeLessThan(standIn.dailyLimit);
  });
});
