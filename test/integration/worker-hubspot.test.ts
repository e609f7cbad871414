import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHubSpotCrm } from '../../src/crm/hubspot/open-hubspot-crm.js';
import { createQueuedRunStore } from '../../src/db/queued-run-store.js';
import { storedSummary } from '../../src/services/publish-run.js';
import { startHubSpotStandIn } from '../support/hubspot-stand-in.js';
import { numericPipeline } from '../support/hubspot-stand-in-seed.js';
import { createTestDatabase } from '../support/test-database.js';
import { startTestWorker, until } from '../support/worker-harness.js';

const DEALS = 250;

describe('the worker on HubSpot (stand-in)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('reads deals and activities a batch of deal jobs at a time, and counts every request in the summary', async () => {
    const { seed, replay } = numericPipeline(DEALS, 5);
    const dir = mkdtempSync(join(tmpdir(), 'scout-worker-hubspot-'));
    writeFileSync(join(dir, 'replay.json'), JSON.stringify(replay));
    const standIn = await startHubSpotStandIn();
    standIn.load(seed);
    const database = await createTestDatabase();
    const hubspot = openHubSpotCrm({
      token: standIn.token,
      baseUrl: standIn.url,
      budget: { requests: 10_000, windowMs: 10_000 },
      searchBudget: { requests: 1000, windowMs: 1000 },
      keyPrefix: 'worker-hubspot',
    });
    cleanups.push(async () => {
      await hubspot.close();
      await standIn.close();
      await database.destroy();
    });
    const worker = await startTestWorker({
      database,
      replayPath: join(dir, 'replay.json'),
      crm: hubspot.crm,
    });
    cleanups.push(async () => void (await worker.runtime.stop(5_000)));

    const before = standIn.requests.length;
    const runId = randomUUID();
    await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: false } }]);
    await until(async () => {
      const [run] = await database.sql`select status from runs where id = ${runId}`;
      return run?.status === 'completed';
    }, 'the run to complete');

    const states = await database.sql`
      select state, count(*)::int as n from run_deals where run_id = ${runId} group by state`;
    expect(states).toEqual([{ state: 'extracted', n: DEALS }]);
    const proposed = await database.sql`
      select count(*)::int as n from provenance where run_id = ${runId} and action = 'proposed'`;
    expect(proposed[0]?.n).toBeGreaterThan(0);
    // Per 100 deals: one batch read of the deals, four association reads and up to four
    // activity reads (about 0.1 per deal), plus the run's own reads of the schema and owners.
    const used = standIn.requests.length - before;
    // 250 deals make three batches and about 37 requests; a deal that missed its batch and
    // read alone adds nine, and one request per deal or more means the deal jobs read alone.
    expect(used / DEALS).toBeLessThan(0.18);
    // The summary counts them all, though the run job and 250 deal jobs each made some;
    // a summary posted again from the stored run (after a crash) says the same.
    const run = await createQueuedRunStore(database.db).get(runId);
    if (!run) throw new Error('the run is gone');
    expect(storedSummary(run).hubspot_api_calls).toBe(used);
    expect(run.hubspotApiCalls).toBe(used);
  });
});
