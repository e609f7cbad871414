import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHubSpotCrm } from '../../src/crm/hubspot/open-hubspot-crm.js';
import { openDatabase, type PostgresDatabase } from '../../src/db/client.js';
import { advisoryDealLocks } from '../../src/db/deal-locks.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import type { RunSummary } from '../../src/domain/run-summary.js';
import { loadReplayFile } from '../../src/extraction/replay-extractor.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { runExtraction } from '../../src/services/run-extraction.js';
import { setupFields } from '../../src/services/setup-fields.js';
import { type HubSpotStandIn, startHubSpotStandIn } from '../support/hubspot-stand-in.js';
import { numericPipeline } from '../support/hubspot-stand-in-seed.js';
import { AUTO_NEXT_STEP_POLICY } from '../support/scout-env.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestWorker, until } from '../support/worker-harness.js';

/**
 * A run's HubSpot writes take the per-deal lock that approved applies and undos take, across
 * processes: here two pools on one database stand for two processes, the first holding a
 * deal's lock as an apply would while the second's run reaches its writes.
 */
describe('HubSpot writes of a run wait for the deal lock another process holds', () => {
  let standIn: HubSpotStandIn;
  let database: TestDatabase;
  let other: PostgresDatabase;
  let hubspot: ReturnType<typeof openHubSpotCrm>;
  let replayPath: string;
  const policy = loadPolicyFile(AUTO_NEXT_STEP_POLICY);

  beforeEach(async () => {
    const { seed, replay } = numericPipeline(3, 2);
    const dir = mkdtempSync(join(tmpdir(), 'scout-hubspot-lock-'));
    replayPath = join(dir, 'replay.json');
    writeFileSync(replayPath, JSON.stringify(replay));
    standIn = await startHubSpotStandIn();
    standIn.load(seed);
    database = await createTestDatabase();
    other = openDatabase(database.url, { max: 3 });
    hubspot = openHubSpotCrm({
      token: standIn.token,
      baseUrl: standIn.url,
      budget: { requests: 10_000, windowMs: 10_000 },
      searchBudget: { requests: 1000, windowMs: 1000 },
      keyPrefix: `lock-${randomUUID()}`,
    });
    await setupFields(
      { crm: hubspot.crm, policy, liveWrites: '1', isPaused: async () => false },
      { apply: true },
    );
  });
  afterEach(async () => {
    await hubspot.close();
    await standIn.close();
    await other.close();
    await database.destroy();
  });

  /** Sessions of this database waiting for an advisory lock (a deal lock held elsewhere). */
  const waitingForDealLock = async () => {
    const [row] = await database.sql<Array<{ n: number }>>`
      select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
      where l.locktype = 'advisory' and not l.granted and d.datname = current_database()`;
    return (row?.n ?? 0) > 0;
  };
  const sentWrites = () =>
    standIn.requests.filter(
      (r) => r.path === '/crm/v3/objects/deals/batch/update' || r.method === 'PATCH',
    );

  it('scout run: the page’s compare-then-write starts only once the lock is released', async () => {
    const deps = {
      crm: hubspot.crm,
      ledger: createRunLedger(other.db),
      policy,
      liveWrites: '1',
      clock: () => new Date(),
      newId: () => randomUUID(),
      logger: pino({ level: 'silent' }),
      withDealLocks: advisoryDealLocks(other.db),
      extractor: loadReplayFile(replayPath),
    };
    let run: Promise<RunSummary> | undefined;
    await database.dealLock('10002', async () => {
      run = runExtraction(deps, { apply: true });
      await until(waitingForDealLock, 'the run to wait for the deal lock');
      // Not even the compare read: the whole compare-then-write is inside the lock.
      expect(sentWrites()).toEqual([]);
      expect(standIn.requests.filter((r) => r.path === '/crm/v3/objects/deals/batch/read')).toEqual(
        [],
      );
      expect(standIn.deal('10002')?.scout_economic_buyer).toBeUndefined();
    });
    const summary = await (run as Promise<RunSummary>);
    expect(summary.mode).toBe('live');
    expect(summary.counts.failed).toBe(0);
    for (const [id, i] of [
      ['10001', 0],
      ['10002', 1],
      ['10003', 2],
    ] as const)
      expect(standIn.deal(id)?.scout_economic_buyer).toBe(`Person ${i} (CFO)`);
    expect(sentWrites()).toHaveLength(1);
  });

  it('worker deal job: the deal waits for the lock while the others are written', async () => {
    const worker = await startTestWorker({
      database,
      replayPath,
      crm: hubspot.crm,
      liveWrites: '1',
    });
    try {
      const runId = randomUUID();
      await other.dealLock('10002', async () => {
        await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
        await until(waitingForDealLock, 'the deal job to wait for the deal lock');
        await until(
          () =>
            standIn.deal('10001')?.scout_economic_buyer !== undefined &&
            standIn.deal('10003')?.scout_economic_buyer !== undefined,
          'the other deals to be written',
        );
        expect(standIn.deal('10002')?.scout_economic_buyer).toBeUndefined();
        expect(sentWrites().filter((r) => JSON.stringify(r.body).includes('"10002"'))).toEqual([]);
      });
      await until(async () => {
        const [run] = await database.sql`select status from runs where id = ${runId}`;
        return run?.status === 'completed';
      }, 'the run to complete');
      expect(standIn.deal('10002')?.scout_economic_buyer).toBe('Person 1 (CFO)');
    } finally {
      await worker.runtime.stop(5_000);
    }
  });
});
