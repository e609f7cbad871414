import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { advisoryDealLocks, eachDealLock } from '../../src/db/deal-locks.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { createWriteJournal } from '../../src/db/write-journal.js';
import type { ProvenanceEntry } from '../../src/domain/provenance.js';
import { loadReplayFile } from '../../src/extraction/replay-extractor.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import type { CrmPort } from '../../src/services/ports/crm.js';
import type { IntentDraft } from '../../src/services/ports/write-journal.js';
import { writeRecorded } from '../../src/services/recorded-write.js';
import { recoverInterruptedWrites } from '../../src/services/recover-writes.js';
import { runExtraction } from '../../src/services/run-extraction.js';
import { CHAOS_POLICY } from '../support/chaos.js';
import { createHarness, EXAMPLE_REPLAY, type ScoutHarness } from '../support/scout-env.js';

/**
 * docs/guarantees.md#g19 on a remote CRM: write-ahead intents. The local CRM, stripped of its atomic
 * path, stands in for a remote one: its writes go through the port, so a process that
 * dies between a write and its record leaves an intent open, as it would on HubSpot.
 */
let h: ScoutHarness;
afterEach(async () => {
  await h?.database.destroy();
});

const silent = pino({ level: 'silent' });

function remoteLike(inner: CrmPort): CrmPort {
  return { ...inner, atomic: undefined };
}

function entry(dealId: string, property: string, value: string): ProvenanceEntry {
  return {
    runId: 'run-1',
    object: 'deal',
    recordId: dealId,
    field: property,
    action: 'written',
    reason: 'the field was empty and the finding was confident enough to write without a person',
    previousValue: null,
    newValue: value,
    actor: 'agent',
    dryRun: false,
  };
}

function draft(dealId: string, property: string, value: string): IntentDraft {
  return {
    mode: 'write',
    recordId: dealId,
    property,
    expected: null,
    value,
    entry: entry(dealId, property, value),
  };
}

async function rows(property: string) {
  return h.database.sql<Array<{ action: string; reason: string; new_value: unknown }>>`
    select action, reason, new_value from provenance where field = ${property} order by id`;
}

describe('write-ahead intents (G19)', () => {
  it('a completed write closes its intent in the commit that logs it', async () => {
    h = await createHarness();
    const crm = remoteLike(createLocalCrm(h.database.db));
    const journal = createWriteJournal(h.database.db);
    const logged = await writeRecorded({ crm, journal }, async (send) => {
      const results = await send(
        'write',
        [{ dealId: 'd1', property: 'next_step', value: 'Call Dana', expected: null }],
        [draft('d1', 'next_step', 'Call Dana')],
      );
      return async (tx) => {
        await journal.log(tx, entry('d1', 'next_step', 'Call Dana'));
        return results;
      };
    });
    expect(logged[0]?.status).toBe('written');
    const intents = await h.database.sql`select outcome, settled_at from write_intents`;
    expect(intents).toHaveLength(1);
    expect(intents[0]?.outcome).toBe('recorded');
    expect(await journal.pending({ limit: 10 })).toHaveLength(0);
  });

  it('recovery settles what a dead writer left: present → logged as recovered, absent → failed, changed since → failed naming the value', async () => {
    h = await createHarness();
    const local = createLocalCrm(h.database.db);
    const journal = createWriteJournal(h.database.db);
    // Three writes announced, then the process "dies": one reached the CRM, one did not,
    // and one reached it but a rep changed the field afterwards.
    await journal.open([
      draft('d1', 'next_step', 'Call Dana'),
      draft('d2', 'next_step', 'Send the quote'),
      draft('d3', 'next_step', 'Book the demo'),
    ]);
    await local.writeProperties([
      { dealId: 'd1', property: 'next_step', value: 'Call Dana', expected: null },
      { dealId: 'd3', property: 'next_step', value: 'Book the demo', expected: null },
    ]);
    await local.writeProperties([
      { dealId: 'd3', property: 'next_step', value: 'Rep wrote this', expected: 'Book the demo' },
    ]);
    const deps = {
      crm: local,
      journal,
      withDealLocks: eachDealLock(h.database.dealLock),
      logger: silent,
    };
    expect(await recoverInterruptedWrites(deps)).toEqual({ present: 1, absent: 2, duplicate: 0 });
    const logged = await h.database.sql<
      Array<{ record_id: string; action: string; reason: string }>
    >`select record_id, action, reason from provenance where field = 'next_step' order by record_id`;
    expect(logged.map((r) => [r.record_id, r.action])).toEqual([
      ['d1', 'written'],
      ['d2', 'failed'],
      ['d3', 'failed'],
    ]);
    expect(logged[0]?.reason).toMatch(/^recovered: the CRM holds the value/);
    expect(logged[1]?.reason).toMatch(/^interrupted before the write/);
    expect(logged[2]?.reason).toContain('"Rep wrote this"');
    // Settling is idempotent: nothing is left open, and a second pass logs nothing.
    expect(await recoverInterruptedWrites(deps)).toEqual({ present: 0, absent: 0, duplicate: 0 });
    expect(await rows('next_step')).toHaveLength(3);
  });

  it('several recoverers at once settle each intent exactly once', async () => {
    h = await createHarness();
    const local = createLocalCrm(h.database.db);
    const journal = createWriteJournal(h.database.db);
    const deals = ['d1', 'd2', 'd3', 'd5'];
    await journal.open(deals.map((d) => draft(d, 'next_step', `Step for ${d}`)));
    await local.writeProperties(
      deals.map((d) => ({
        dealId: d,
        property: 'next_step',
        value: `Step for ${d}`,
        expected: null,
      })),
    );
    const deps = {
      crm: local,
      journal,
      withDealLocks: eachDealLock(h.database.dealLock),
      logger: silent,
    };
    const passes = await Promise.all([1, 2, 3, 4].map(() => recoverInterruptedWrites(deps)));
    expect(passes.reduce((n, p) => n + p.present, 0)).toBe(4);
    const logged = await rows('next_step');
    expect(logged.filter((r) => r.action === 'written')).toHaveLength(4);
  });

  it('a write another delivery already logged is not logged again', async () => {
    h = await createHarness();
    const local = createLocalCrm(h.database.db);
    const journal = createWriteJournal(h.database.db);
    await journal.open([draft('d1', 'next_step', 'Call Dana')]);
    await local.writeProperties([
      { dealId: 'd1', property: 'next_step', value: 'Call Dana', expected: null },
    ]);
    await journal.transaction((tx) => journal.log(tx, entry('d1', 'next_step', 'Call Dana')));
    const counts = await recoverInterruptedWrites({
      crm: local,
      journal,
      withDealLocks: eachDealLock(h.database.dealLock),
    });
    expect(counts).toEqual({ present: 0, absent: 0, duplicate: 1 });
    expect(await rows('next_step')).toHaveLength(1);
  });

  it('a run on a remote CRM settles the deals’ open intents before deciding, so Scout never credits its own write to the rep', async () => {
    h = await createHarness();
    const journal = createWriteJournal(h.database.db);
    const local = createLocalCrm(h.database.db);
    // A run that died between writing d1's next step and logging it.
    const value = 'Send the security questionnaire by Friday';
    await journal.open([draft('d1', 'next_step', value)]);
    await local.writeProperties([{ dealId: 'd1', property: 'next_step', value, expected: null }]);
    const replay = loadReplayFile(EXAMPLE_REPLAY);
    const summary = await runExtraction(
      {
        crm: remoteLike(local),
        extractor: replay,
        ledger: createRunLedger(h.database.db),
        withDealLocks: advisoryDealLocks(h.database.db),
        policy: loadPolicyFile(CHAOS_POLICY),
        liveWrites: '1',
        clock: () => new Date(),
        newId: () => randomUUID(),
        logger: silent,
      },
      { apply: true, dealIds: ['d1'] },
    );
    expect(summary.status).toBe('completed');
    const logged = await h.database.sql<Array<{ action: string; reason: string }>>`
      select action, reason from provenance where record_id = 'd1' and field = 'next_step' order by id`;
    // The recovered write, then the run's finding of the same value: Scout's own, not the rep's.
    expect(logged[0]?.action).toBe('written');
    expect(logged[0]?.reason).toMatch(/^recovered:/);
    expect(logged.slice(1).map((r) => r.reason)).not.toContain("the rep's value already says this");
    expect(logged.slice(1).some((r) => r.reason.includes('because Scout wrote it'))).toBe(true);
  });
});
