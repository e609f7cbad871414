import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createControlStore } from '../../src/db/control-store.js';
import { advisoryDealLocks } from '../../src/db/deal-locks.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { loadReplayFile } from '../../src/extraction/replay-extractor.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import type { ExtractorPort } from '../../src/services/ports/extractor.js';
import { runExtraction } from '../../src/services/run-extraction.js';
import {
  AUTO_NEXT_STEP_POLICY,
  createHarness,
  EXAMPLE_REPLAY,
  type ScoutHarness,
} from '../support/scout-env.js';

describe('a pause that arrives during a live run (G9)', () => {
  let h: ScoutHarness;
  beforeEach(async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
  });
  afterEach(async () => {
    await h.database.destroy();
  });

  it('stops the writes from the next page on, and the summary says so', async () => {
    const db = h.database.db;
    const replay = loadReplayFile(EXAMPLE_REPLAY);
    let calls = 0;
    // An operator presses /scout pause while the third deal is being read (page 2 of 3).
    const extractor: ExtractorPort = {
      model: replay.model,
      async extract(request) {
        calls += 1;
        if (calls === 3) await createControlStore(db).setPaused(true, 'slack:U01OPS');
        return replay.extract(request);
      },
    };
    const summary = await runExtraction(
      {
        crm: createLocalCrm(db),
        extractor,
        ledger: createRunLedger(db),
        withDealLocks: advisoryDealLocks(db),
        policy: loadPolicyFile(AUTO_NEXT_STEP_POLICY),
        liveWrites: '1',
        clock: () => new Date(),
        newId: () => randomUUID(),
        logger: pino({ level: 'silent' }),
        pageSize: 2,
        concurrency: 1,
      },
      { apply: true },
    );
    const rows = await h.log(['--run', summary.run_id]);
    // Page 1 (d1, d2) was written before the pause; d4's suggestion on page 2 was not.
    expect(
      rows
        .filter((r) => r.action === 'written')
        .map((r) => r.record_id)
        .sort(),
    ).toEqual(['d1', 'd1', 'd1', 'd2']);
    expect(
      rows.find((r) => r.record_id === 'd4' && r.field === 'scout_paper_process'),
    ).toMatchObject({ action: 'would_write', dry_run: true });
    const dump = await h.dump();
    expect(
      dump.deals.find((d) => d.id === 'd4')?.properties.scout_paper_process ?? null,
    ).toBeNull();
    expect(summary.locks.paused).toBe(true);
    expect(summary.warnings.join('\n')).toContain(
      'Scout was paused during the run: nothing was written from deal d3 on',
    );
  });
});
