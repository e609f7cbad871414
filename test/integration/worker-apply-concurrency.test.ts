import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { openDatabase } from '../../src/db/client.js';
import { applyJobId } from '../../src/services/job-ids.js';
import type { CrmPort } from '../../src/services/ports/crm.js';
import { AUTO_NEXT_STEP_POLICY, createHarness } from '../support/scout-env.js';
import { createTestDatabase } from '../support/test-database.js';
import {
  approveProposal,
  insertProposal,
  pipelineFiles,
  startTestWorker,
  until,
} from '../support/worker-harness.js';

const SHARED_REDIS = 'redis://127.0.0.1:6379';

describe('applies and the Postgres pool', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('more work waiting on one deal lock than the pool has connections still finishes, one at a time', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.destroy());
    // Four connections: four waiters each reserving one would leave the holder none for its query.
    const small = openDatabase(database.url, { max: 4 });
    cleanups.push(() => small.sql.end({ timeout: 1 }));
    let running = 0;
    let most = 0;
    const work = Array.from({ length: 12 }, (_, i) =>
      small.dealLock('d1', async () => {
        running += 1;
        most = Math.max(most, running);
        await small.sql`select pg_sleep(0.01)`;
        running -= 1;
        return i;
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadlocked = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the deal locks took the whole pool')), 20_000);
    });
    try {
      expect(await Promise.race([Promise.all(work), deadlocked])).toEqual([...Array(12).keys()]);
    } finally {
      clearTimeout(timer);
    }
    expect(most).toBe(1);
  });

  it('refuses a pool too small to hold a deal lock and do the work', async () => {
    expect(() => openDatabase('postgres://127.0.0.1:5432/test', { max: 1 })).toThrow(
      'a deal lock needs a Postgres pool of at least 2 connections (one holds the lock, one does the work); this pool has 1',
    );
  });

  it('approvals on one deal applied by concurrent jobs never write the CRM at the same time', async () => {
    const files = pipelineFiles(3, 1);
    const h = await createHarness({
      seed: files.seedPath,
      replay: files.replayPath,
      policy: AUTO_NEXT_STEP_POLICY,
    });
    cleanups.push(() => h.database.destroy());
    const inner = createLocalCrm(h.database.db);
    const inFlight = new Map<string, number>();
    const most = new Map<string, number>();
    const crm: CrmPort = {
      ...inner,
      // Through the port, as a remote CRM writes (write-ahead intents), so each write is seen.
      atomic: undefined,
      writeProperties: async (writes) => {
        const deal = writes[0]?.dealId ?? '';
        inFlight.set(deal, (inFlight.get(deal) ?? 0) + 1);
        most.set(deal, Math.max(most.get(deal) ?? 0, inFlight.get(deal) ?? 0));
        try {
          await new Promise((r) => setTimeout(r, 50));
          return await inner.writeProperties(writes);
        } finally {
          inFlight.set(deal, (inFlight.get(deal) ?? 0) - 1);
        }
      },
    };
    const fields = ['next_step', 'economic_buyer', 'competition', 'champion'];
    const ids: string[] = [];
    for (const deal of ['d1', 'd2'])
      for (const field of fields)
        ids.push(
          await insertProposal(h.database, {
            dealId: deal,
            field,
            newValue: `${field} of ${deal}`,
          }),
        );
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      redisUrl: SHARED_REDIS,
      liveWrites: '1',
      crm,
    });
    cleanups.push(async () => void (await worker.runtime.stop(2_000)));
    const jobs = [];
    for (const id of ids) {
      const version = await approveProposal(h.database, id);
      jobs.push({ id: applyJobId(id, version), data: { proposalId: id, version } });
    }
    await worker.jobs.add('applies', jobs);
    await until(async () => {
      const rows = await h.database
        .sql`select status from proposals where id in ${h.database.sql(ids)}`;
      return rows.every((r) => r.status === 'applied');
    }, 'every approval applied');

    expect(Object.fromEntries(most)).toEqual({ d1: 1, d2: 1 });
    const deals = await h.database
      .sql`select id, properties from crm_deals where id in ('d1', 'd2')`;
    for (const d of deals)
      for (const field of fields) expect(d.properties[field]).toBe(`${field} of ${d.id}`);
  });
});
