import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createControlStore } from '../../src/db/control-store.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { emptyCounts } from '../../src/domain/actions.js';
import { emptyUsage, summaryHeadline } from '../../src/domain/run-summary.js';
import type { RunLeaseSpec, RunLedger } from '../../src/services/ports/run-ledger.js';
import {
  closeRun,
  failRun,
  interruptLapsedRuns,
  type LifecycleDeps,
  type OpenedRun,
  openRun,
  pausedMidRun,
  reopenRun,
  stillLive,
  summarize,
} from '../../src/services/run-lifecycle.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The one run lifecycle every kind of run goes through (docs/guarantees.md#g20), against Postgres: its
 * clock decides when a lease lapsed, so the waits here are the leases' lengths.
 */
const quiet = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the run lifecycle (G20)', () => {
  let database: TestDatabase;
  let ledger: RunLedger;
  beforeEach(async () => {
    database = await createTestDatabase();
    ledger = createRunLedger(database.db);
  });
  afterEach(async () => {
    await database.destroy();
  });

  const deps = (lease: RunLeaseSpec): LifecycleDeps => ({
    ledger,
    liveWrites: '1',
    clock: () => new Date(),
    newId: () => randomUUID(),
    logger: quiet,
    lease,
  });
  const open = (d: LifecycleDeps, apply = true) =>
    openRun(d, {
      kind: 'extract',
      apply,
      total: 3,
      cap: null,
      model: 'replay',
      dealFilter: null,
      startedAt: new Date(),
    });
  const summaryOf = (run: OpenedRun) =>
    summarize({
      runId: run.runId,
      open: run.resolved.open,
      locks: run.resolved.locks,
      pausedDuring: false,
      scanned: 3,
      total: 3,
      cap: null,
      counts: emptyCounts(),
      deals: { extracted: 3, no_new_notes: 0, failed: 0 },
      warnings: [],
      usage: emptyUsage(),
      model: 'replay',
      batch: false,
      startedAt: run.startedAt,
      finishedAt: new Date(),
    });
  const statusOf = async (runId: string) => {
    const [row] = await database.sql<[{ status: string; error: string | null; holder: string }]>`
      select status, error, lease_holder as holder from runs where id = ${runId}`;
    return row;
  };
  const noticeFromEverywhere = async (n: number) =>
    (
      await Promise.all(
        Array.from({ length: n }, () => interruptLapsedRuns({ ledger, logger: quiet })),
      )
    ).flat();

  it('a lease renewed by a live process outlives its length; closing the run ends it completed', async () => {
    // Renewed every 300 ms: only a stall of the whole process for 900 ms could let it lapse.
    const run = await open(deps({ holder: 'alive', ms: 900 }));
    await sleep(2_000);
    expect(await noticeFromEverywhere(3)).toEqual([]);
    expect((await statusOf(run.runId)).status).toBe('running');
    const summary = summaryOf(run);
    await closeRun(ledger, run, summary);
    expect((await statusOf(run.runId)).status).toBe('completed');
    expect(summaryHeadline(summary)).toBe('LIVE');
    // Its lease is no longer renewed, and a completed run is never interrupted.
    await sleep(1_200);
    expect(await noticeFromEverywhere(1)).toEqual([]);
  });

  it('a lapsed lease ends the run interrupted, once however many notice, with what it logged', async () => {
    const run = await open(deps({ holder: 'host:4242:dead', ms: 200 }));
    // The process dies: nothing renews the lease any more.
    run.lease?.stop();
    await database.sql`
      insert into provenance (run_id, object, record_id, field, action, reason, actor, dry_run, new_value)
      values (${run.runId}, 'deal', 'd1', 'next_step', 'written', 'auto', 'agent:replay', false, '"Call"'),
        (${run.runId}, 'deal', 'd2', 'closedate', 'proposed', 'needs approval', 'agent:replay', false, '"2027-01-15"')`;
    await sleep(500);
    // A process with the same holder name (a worker started after the lease lapsed) does
    // not bring the run back: a lapsed lease is not renewed.
    await ledger.renewLeases({ holder: 'host:4242:dead', ms: 60_000 });
    const summaries = await noticeFromEverywhere(5);
    expect(summaries).toHaveLength(1);
    const [summary] = summaries;
    expect(summary?.run_id).toBe(run.runId);
    expect(summary?.status).toBe('interrupted');
    expect(summary?.counts.written).toBe(1);
    expect(summary?.counts.proposed).toBe(1);
    expect(summary?.warnings.at(-1)).toMatch(
      /^INTERRUPTED: the process running this run \(host:4242:dead\)/,
    );
    expect(summaryHeadline(summary ?? { status: 'completed', mode: 'live' })).toMatch(
      /INTERRUPTED/,
    );
    expect((await statusOf(run.runId)).status).toBe('interrupted');
    expect(await noticeFromEverywhere(2)).toEqual([]);
    // The process was only stalled, and wakes up: its next page commits nothing, it cannot
    // complete the run, and its failure does not overwrite the interruption everyone was
    // told about.
    const page = {
      proposals: [],
      provenance: () => [],
      watermarks: [],
      progress: { runId: run.runId, scanned: 3 },
    };
    await expect(ledger.commitPage(page)).rejects.toMatchObject({ code: 'run_ended' });
    await expect(closeRun(ledger, run, summaryOf(run))).rejects.toMatchObject({
      code: 'run_ended',
    });
    await expect(
      failRun({ ledger, clock: () => new Date() }, run, new Error('woke up')),
    ).rejects.toThrow('woke up');
    expect(await statusOf(run.runId)).toMatchObject({
      status: 'interrupted',
      error: 'interrupted: its lease lapsed',
    });
  });

  it('a run another live process holds is refused to a second one; once its lease lapsed, it is reopened', async () => {
    const first = await open(deps({ holder: 'A', ms: 300 }));
    const second = deps({ holder: 'B', ms: 300 });
    const again = { id: first.runId, requestedApply: true, startedAt: first.startedAt };
    await expect(reopenRun(second, again)).rejects.toMatchObject({ code: 'run_busy' });
    first.lease?.stop();
    await sleep(500);
    const reopened = await reopenRun(second, again);
    reopened.lease?.stop();
    expect(reopened.resolved.open).toBe(true);
    expect(await statusOf(first.runId)).toMatchObject({ status: 'running', holder: 'B' });
  });

  it('a failure ends the run failed with its message; it is not interrupted later', async () => {
    const run = await open(deps({ holder: 'C', ms: 200 }));
    await expect(
      failRun({ ledger, clock: () => new Date() }, run, new Error('CRM down')),
    ).rejects.toThrow('CRM down');
    expect(await statusOf(run.runId)).toMatchObject({ status: 'failed', error: 'CRM down' });
    await sleep(400);
    expect(await noticeFromEverywhere(1)).toEqual([]);
  });

  it('a pause closes a live run for the rest of it, and opens no run live; one wording for every kind', async () => {
    expect(await stillLive(ledger, true)).toBe(true);
    expect(await stillLive(ledger, false)).toBe(false);
    await createControlStore(database.db).setPaused(true, 'slack:U01OPS');
    expect(await stillLive(ledger, true)).toBe(false);
    const run = await open(deps({ holder: 'D', ms: 1_000 }));
    run.lease?.stop();
    expect(run.resolved.open).toBe(false);
    expect(run.resolved.locks.paused).toBe(true);
    expect([
      pausedMidRun('run', 'd3'),
      pausedMidRun('undo', 'd3'),
      pausedMidRun('run', null),
    ]).toEqual([
      'Scout was paused during the run: nothing was written from deal d3 on',
      'Scout was paused during the undo: nothing was restored from deal d3 on',
      'Scout was paused during the run: nothing was written from the pause on',
    ]);
  });
});
