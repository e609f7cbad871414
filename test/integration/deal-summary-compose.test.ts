import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createDealHistoryReader } from '../../src/db/deal-history-reader.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { composeDealSummary } from '../../src/summary/compose-deal-summary.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';

const FIELDS = ['next_step', 'scout_competition', 'scout_economic_buyer'];

/**
 * What `scout serve` builds for /deal-summary, observed through the composed history
 * reader itself: after a live run, `provenance` is swapped for a view that shows rows
 * only to a session whose transaction is read-only, so the reader sees the deal's
 * history exactly when it reads over a read-only session.
 */
describe('composeDealSummary reads Scout’s log over a read-only session (G16)', () => {
  let h: ScoutHarness;
  beforeAll(async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    await h.ok(['run', '--apply'], { LIVE_WRITES: '1' });
    await h.database.sql.unsafe(`
      alter table provenance rename to provenance_rows;
      create view provenance as
        select * from provenance_rows where current_setting('transaction_read_only') = 'on';
    `);
  });
  afterAll(async () => {
    await h.database.destroy();
  });

  const compose = (env: Record<string, string>) =>
    composeDealSummary(
      {
        config: loadConfig(env),
        crm: createLocalCrm(h.database.db),
        clock: () => new Date(),
        database: h.database,
      },
      loadPolicyFile(AUTO_NEXT_STEP_POLICY),
    );

  it('the view hides every row from a read-write session (the control)', async () => {
    const rw = createDealHistoryReader(h.database.db);
    expect(await rw.rowsFor('d1', FIELDS)).toEqual([]);
    const [row] = await h.database.sql`show transaction_read_only`;
    expect(row?.transaction_read_only).toBe('off');
  });

  it('with DATABASE_URL, the history reader’s session is read-only: it sees the rows', async () => {
    const composed = compose({ DATABASE_URL: h.database.url });
    try {
      const rows = await composed.ports.history.rowsFor('d1', FIELDS);
      expect(rows.map((r) => `${r.field}:${r.action}`)).toEqual(
        expect.arrayContaining(['next_step:written', 'scout_economic_buyer:written']),
      );
      expect((await composed.ports.history.propertiesWithHistory('d1', FIELDS)).size).toBe(2);
    } finally {
      await composed.close();
    }
  });

  it('without DATABASE_URL (the embedded database of `scout demo`) it reads the app’s own handle, narrowed by type only', async () => {
    const composed = compose({});
    try {
      expect(await composed.ports.history.rowsFor('d1', FIELDS)).toEqual([]);
    } finally {
      await composed.close();
    }
  });
});
