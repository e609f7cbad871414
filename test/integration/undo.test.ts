import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { createUndoStore } from '../../src/db/undo-store.js';
import { type UndoProgress, undoChanges } from '../../src/services/undo-run.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';

const LIVE = { LIVE_WRITES: '1' };

type UndoJson = Record<string, unknown> & {
  run_id: string;
  mode: string;
  counts: Record<string, number>;
  warnings: string[];
  locks: Record<string, boolean>;
  chain_head: { seq: number; hash: string } | null;
  undo: {
    target: Record<string, unknown>;
    changes: number;
    already_undone: number;
    expired_proposals: number;
    nothing_to_undo: string | null;
  };
};

const undo = async (h: ScoutHarness, args: string[], env: Record<string, string> = {}) =>
  JSON.parse(await h.ok(['undo', '--json', ...args], env)) as UndoJson;

const setProperty = (h: ScoutHarness, deal: string, field: string, value: unknown) =>
  h.database
    .sql`update crm_deals set properties = properties || ${JSON.stringify({ [field]: value })}::jsonb where id = ${deal}`;

const value = async (h: ScoutHarness, deal: string, field: string) =>
  ((await h.dump()).deals.find((d) => d.id === deal)?.properties[field] ?? null) as unknown;

const provenanceCount = async (h: ScoutHarness) =>
  ((await h.database.sql`select count(*)::int as n from provenance`)[0] as { n: number }).n;

/** Undo rows of a run with the change each one undoes, oldest first. */
const undoRows = async (h: ScoutHarness, runId: string) =>
  (
    await h.database
      .sql`select id::int, record_id, field, action, undoes::int, dry_run, reason, previous_value, new_value
      from provenance where run_id = ${runId} order by id`
  ).map((r) => ({ ...r })) as Array<{
    id: number;
    record_id: string;
    field: string;
    action: string;
    undoes: number | null;
    dry_run: boolean;
    reason: string;
    previous_value: unknown;
    new_value: unknown;
  }>;

describe('scout undo (G15)', () => {
  let h: ScoutHarness;
  afterEach(async () => {
    await h.database.destroy();
  });

  it('restores every field still holding what Scout wrote; a field a rep edited since is a conflict and left alone', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    const before = await h.dump();
    const run = await h.runJson(['--apply'], LIVE);
    expect(run.counts.written).toBe(5);
    await setProperty(h, 'd1', 'next_step', 'Rep: call the CFO on Monday');

    const out = await undo(h, ['--run', run.run_id as string, '--apply'], LIVE);
    expect(out.mode).toBe('live');
    expect(out.counts).toMatchObject({ undone: 4, conflict: 1, would_undo: 0, failed: 0 });
    expect(out.undo).toMatchObject({
      target: { run_id: run.run_id },
      changes: 5,
      already_undone: 0,
    });

    const after = await h.dump();
    expect(after.deals.find((d) => d.id === 'd1')?.properties.next_step).toBe(
      'Rep: call the CFO on Monday',
    );
    for (const [deal, field] of [
      ['d1', 'scout_economic_buyer'],
      ['d1', 'scout_identified_pain'],
      ['d2', 'scout_competition'],
      ['d4', 'scout_paper_process'],
    ] as const) {
      expect(after.deals.find((d) => d.id === deal)?.properties[field] ?? null).toBe(
        before.deals.find((d) => d.id === deal)?.properties[field] ?? null,
      );
    }
    const rows = await undoRows(h, out.run_id);
    const conflict = rows.find((r) => r.action === 'conflict');
    expect(conflict).toMatchObject({ record_id: 'd1', field: 'next_step', dry_run: false });
    expect(conflict?.reason).toContain('someone changed it since');
    expect(conflict?.previous_value).toBe('Rep: call the CFO on Monday');
    const written = await h.database
      .sql`select id::int from provenance where run_id = ${run.run_id as string} and action = 'written' order by id`;
    expect(rows.map((r) => r.undoes).sort()).toEqual(written.map((w) => w.id).sort());
  });

  it('undoes a run of 50 mixed writes exactly: dry first, then live, and a second undo changes nothing', async () => {
    const fixture = fiftyWrites();
    h = await createHarness({
      seed: fixture.seed,
      replay: fixture.replay,
      policy: AUTO_NEXT_STEP_POLICY,
    });
    for (const i of [0, 2, 4, 6, 8])
      await setProperty(h, `m${i}`, 'scout_metrics', `an earlier suggestion ${i}`);
    const before = await h.dump();
    const run = await h.runJson(['--apply'], LIVE);
    expect(run.counts.written).toBe(50);
    const written = await h.dump();
    expect(written).not.toEqual(before);

    const dry = await undo(h, ['--run', run.run_id as string]);
    expect(dry.mode).toBe('dry_run');
    expect(dry.counts).toMatchObject({ would_undo: 50, undone: 0, conflict: 0 });
    expect(await h.dump()).toEqual(written);

    const live = await undo(h, ['--run', run.run_id as string, '--apply'], LIVE);
    expect(live.counts).toMatchObject({ undone: 50, conflict: 0, failed: 0 });
    expect(normalise(await h.dump())).toEqual(normalise(before));

    const rowsBefore = await provenanceCount(h);
    const again = await undo(h, ['--run', run.run_id as string, '--apply'], LIVE);
    expect(again.counts).toMatchObject({ undone: 0, would_undo: 0, conflict: 0, failed: 0 });
    expect(again.undo).toMatchObject({ changes: 50, already_undone: 50 });
    expect(again.warnings.join(' ')).toContain('already undone');
    expect(await provenanceCount(h)).toBe(rowsBefore);
    expect(normalise(await h.dump())).toEqual(normalise(before));
  });

  it('restores a field Scout wrote twice to the value before the first write, newest change first', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    const runId = await liveRunWithChanges(h, [
      ['d3', 'scout_metrics', null, 'first'],
      ['d3', 'scout_metrics', 'first', 'second'],
      ['d5', 'scout_champion', 'rep said Lee', 'Lee Park'],
    ]);
    await setProperty(h, 'd3', 'scout_metrics', 'second');
    await setProperty(h, 'd5', 'scout_champion', 'Lee Park');

    const out = await undo(h, ['--run', runId, '--apply'], LIVE);
    expect(out.counts).toMatchObject({ undone: 3, conflict: 0 });
    expect(await value(h, 'd3', 'scout_metrics')).toBeNull();
    expect(await value(h, 'd5', 'scout_champion')).toBe('rep said Lee');
    const rows = (await undoRows(h, out.run_id)).filter((r) => r.field === 'scout_metrics');
    const changes = (
      await h.database
        .sql`select id::int from provenance where run_id = ${runId} and field = 'scout_metrics' order by id`
    ).map((r) => r.id as number);
    // Reverse order: the second write is undone first, back to "first", then the first, back to empty.
    expect(rows.map((r) => [r.undoes, r.previous_value, r.new_value])).toEqual([
      [changes[1], 'second', 'first'],
      [changes[0], 'first', null],
    ]);
  });

  it('stops at a rep edit between two writes of the same field: the later write is undone, the earlier left alone', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    const runId = await liveRunWithChanges(h, [
      ['d3', 'scout_metrics', null, 'first'],
      ['d3', 'scout_metrics', 'rep value', 'second'],
    ]);
    await setProperty(h, 'd3', 'scout_metrics', 'second');
    const out = await undo(h, ['--run', runId, '--apply'], LIVE);
    expect(out.counts).toMatchObject({ undone: 1, conflict: 1 });
    expect(await value(h, 'd3', 'scout_metrics')).toBe('rep value');
  });

  it('undoing a dry run is a no-op that says so', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    const dryRun = await h.runJson([]);
    expect(dryRun.mode).toBe('dry_run');
    const crm = await h.dump();
    const rows = await provenanceCount(h);
    const text = await h.ok(['undo', '--run', dryRun.run_id as string, '--apply'], LIVE);
    expect(text.split('\n')[0]).toBe('LIVE');
    expect(text).toContain(`NOTHING TO UNDO: run ${dryRun.run_id} was a dry run`);
    const out = await undo(h, ['--run', dryRun.run_id as string, '--apply'], LIVE);
    expect(out.undo.nothing_to_undo).toContain('was a dry run');
    expect(Object.values(out.counts).every((n) => n === 0)).toBe(true);
    expect(await h.dump()).toEqual(crm);
    expect(await provenanceCount(h)).toBe(rows);
    // Its cards stay as they are: dry proposals are not the undo's to expire.
    const pending = await h.database
      .sql`select count(*)::int as n from proposals where status = 'pending'`;
    expect(pending[0]?.n).toBe(2);
    const change = (
      await h.database
        .sql`select id from provenance where run_id = ${dryRun.run_id as string} and action = 'would_write' limit 1`
    )[0]?.id as number;
    const one = await undo(h, ['--change', String(change), '--apply'], LIVE);
    expect(one.undo.nothing_to_undo).toBe(
      `change #${change} was a dry run (would_write): it wrote nothing to the CRM`,
    );
  });

  it.each([
    ['without --apply', [], LIVE, []],
    ['with --apply but LIVE_WRITES unset', ['--apply'], {}, ['LIVE_WRITES is not 1']],
    ['with --apply but LIVE_WRITES=true', ['--apply'], { LIVE_WRITES: 'true' }, ['exact value 1']],
    ['while Scout is paused', ['--apply'], LIVE, ['Scout is paused']],
  ] as const)(
    'under closed locks (%s) changes nothing and logs would_undo rows',
    async (name, args, env, warnings) => {
      h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
      const run = await h.runJson(['--apply'], LIVE);
      if (name === 'while Scout is paused')
        await h.database
          .sql`insert into control (key, value, updated_by) values ('paused', 'true'::jsonb, 'test')`;
      const crm = await h.dump();
      const text = await h.ok(['undo', '--run', run.run_id as string, ...args], env);
      expect(text.split('\n')[0]).toBe('DRY RUN — nothing was written');
      expect(text).toContain('0 writes, 5 would-be restores');
      const out = await undo(h, ['--run', run.run_id as string, ...args], env);
      expect(out.mode).toBe('dry_run');
      expect(out.counts).toMatchObject({ would_undo: 5, undone: 0 });
      for (const w of warnings) expect(out.warnings.join(' ')).toContain(w);
      expect(await h.dump()).toEqual(crm);
      const rows = await undoRows(h, out.run_id);
      expect(rows.every((r) => r.action === 'would_undo' && r.dry_run)).toBe(true);
      // A dry undo is no record of an undo: the live one still restores everything.
      await h.database.sql`delete from control where key = 'paused'`;
      const live = await undo(h, ['--run', run.run_id as string, '--apply'], LIVE);
      expect(live.counts.undone).toBe(5);
    },
  );

  it('a pause during the undo stops it from the next deal on: the rest are only would_undo', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    const run = await h.runJson(['--apply'], LIVE);
    const db = h.database.db;
    const local = createLocalCrm(db);
    const atomic = local.atomic;
    if (!atomic) throw new Error('the local CRM restores inside the log transaction');
    const restores: string[] = [];
    // Someone presses pause right after the first deal's restore.
    const crm = {
      ...local,
      atomic: {
        ...atomic,
        restoreProperties: async (
          tx: Parameters<typeof atomic.restoreProperties>[0],
          r: Parameters<typeof atomic.restoreProperties>[1],
        ) => {
          const results = await atomic.restoreProperties(tx, r);
          restores.push(...r.map((x) => x.property));
          await h.database
            .sql`insert into control (key, value, updated_by) values ('paused', 'true'::jsonb, 'test') on conflict do nothing`;
          return results;
        },
      },
    };
    const written = await h.dump();
    const reports: UndoProgress[] = [];
    const { summary, logged } = await undoChanges(
      {
        crm,
        ledger: createRunLedger(db),
        store: createUndoStore(db),
        liveWrites: '1',
        clock: () => new Date(),
        newId: () => randomUUID(),
        logger: pino({ level: 'silent' }),
        withDealLock: h.database.dealLock,
        onProgress: (p) => reports.push(p),
      },
      { target: { run_id: run.run_id as string }, apply: true, actor: 'cli' },
    );
    const first = logged[0]?.recordId;
    // One report per deal, changes settled of all to undo, ending with the summary's counts.
    expect(reports).toHaveLength(new Set(logged.map((r) => r.recordId)).size);
    expect(reports[0]).toEqual({
      done: logged.filter((r) => r.recordId === first).length,
      total: logged.length,
      counts: {
        undone: logged.filter((r) => r.recordId === first).length,
        would_undo: 0,
        conflict: 0,
        failed: 0,
      },
    });
    expect(reports.at(-1)).toMatchObject({ done: logged.length, total: logged.length });
    expect(reports.at(-1)?.counts).toMatchObject({
      undone: summary.counts.undone,
      would_undo: summary.counts.would_undo,
    });
    const firstRows = logged.filter((r) => r.recordId === first);
    const rest = logged.filter((r) => r.recordId !== first);
    expect(firstRows.length).toBeGreaterThan(0);
    expect(rest.length).toBeGreaterThan(0);
    expect(firstRows.every((r) => r.action === 'undone' && r.dryRun === false)).toBe(true);
    expect(rest.every((r) => r.action === 'would_undo' && r.dryRun === true)).toBe(true);
    expect(restores).toHaveLength(firstRows.length);
    expect(summary.mode).toBe('live');
    expect(summary.locks.paused).toBe(true);
    expect(summary.counts).toMatchObject({ undone: firstRows.length, would_undo: rest.length });
    expect(summary.warnings).toContain(
      `Scout was paused during the undo: nothing was restored from deal ${rest[0]?.recordId} on`,
    );
    const after = await h.dump();
    for (const d of after.deals)
      if (d.id !== first) expect(d).toEqual(written.deals.find((w) => w.id === d.id));
    const [stored] = await h.database.sql`select locks from runs where id = ${summary.run_id}`;
    expect(stored?.locks).toMatchObject({ paused: true });
  });

  it('a live undo of a run expires its pending proposals; a dry one only counts them', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    const run = await h.runJson(['--apply'], LIVE);
    expect(run.counts.proposed).toBe(2);
    const dry = await undo(h, ['--run', run.run_id as string]);
    expect(dry.undo.expired_proposals).toBe(2);
    const statuses = async () =>
      (await h.database.sql`select status from proposals order by id`).map((r) => r.status);
    expect(await statuses()).toEqual(['pending', 'pending']);
    const live = await undo(h, ['--run', run.run_id as string, '--apply'], LIVE);
    expect(live.undo.expired_proposals).toBe(2);
    expect(await statuses()).toEqual(['expired', 'expired']);
    const expiredRows = await h.database
      .sql`select reason from provenance where action = 'expired' and run_id = ${run.run_id as string}`;
    expect(expiredRows).toHaveLength(2);
    expect(expiredRows[0]?.reason).toContain(`was undone by undo run ${live.run_id}`);
  });

  it('--change undoes one change only; bad targets are input errors (exit 2)', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    const run = await h.runJson(['--apply'], LIVE);
    const [change] = await h.database
      .sql`select id, record_id, field from provenance where run_id = ${run.run_id as string} and action = 'written' and field = 'next_step'`;
    const out = await undo(h, ['--change', String(change?.id), '--apply'], LIVE);
    expect(out.counts.undone).toBe(1);
    expect(out.undo.target).toEqual({ change_id: Number(change?.id) });
    expect(await value(h, 'd1', 'next_step')).toBeNull();
    expect(await value(h, 'd1', 'scout_economic_buyer')).toBe('Dana Whitfield (CFO)');

    const proposed = (
      await h.database.sql`select id from provenance where action = 'proposed' limit 1`
    )[0]?.id as number;
    for (const [args, message] of [
      [[], 'exactly one of --run RUN_ID or --change ID'],
      [['--run', run.run_id as string, '--change', '1'], 'exactly one of'],
      [['--run', 'no-such-run'], 'No run no-such-run'],
      [['--change', '999999'], 'No change #999999'],
      [['--change', String(proposed)], 'only written, applied or promoted changes can be undone'],
    ] as const) {
      const r = await h.cli(['undo', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });

  it('prints the audit chain head in the summary, matching the newest provenance row', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    const run = await h.runJson(['--apply'], LIVE);
    const out = await undo(h, ['--run', run.run_id as string, '--apply'], LIVE);
    const [last] = await h.database
      .sql`select chain_seq, row_hash from provenance order by chain_seq desc limit 1`;
    expect(out.chain_head).toEqual({ seq: Number(last?.chain_seq), hash: last?.row_hash });
    const text = await h.ok(['undo', '--run', run.run_id as string]);
    expect(text).toMatch(/^audit chain head: #\d+ [0-9a-f]{64}$/m);
  });
});

/** Missing and null are the same stored state; compare deals on their non-empty properties. */
function normalise(dump: Awaited<ReturnType<ScoutHarness['dump']>>) {
  return dump.deals.map((d) => ({
    ...d,
    properties: Object.fromEntries(Object.entries(d.properties).filter(([, v]) => v !== null)),
  }));
}

/**
 * Records a completed live run whose changes are the given writes (deal, field, before,
 * after), as the pipeline would have logged them, and returns its id.
 */
async function liveRunWithChanges(
  h: ScoutHarness,
  writes: ReadonlyArray<readonly [string, string, string | null, string]>,
): Promise<string> {
  const runId = `run-${Math.random().toString(16).slice(2)}`;
  const sql = h.database.sql;
  await sql`insert into runs (id, kind, status, mode, requested_apply, locks, model, started_at, finished_at)
    values (${runId}, 'extract', 'completed', 'live', true, ${JSON.stringify({ apply: true, live_writes: true, paused: false })}::jsonb, 'replay', now(), now())`;
  for (const [deal, field, before, after] of writes) {
    await sql`insert into provenance (run_id, object, record_id, field, action, reason, previous_value, new_value, actor, dry_run)
      values (${runId}, 'deal', ${deal}, ${field}, 'written', 'into Scout''s own suggestion field, not the rep''s',
        ${before === null ? null : JSON.stringify(before)}::jsonb, ${JSON.stringify(after)}::jsonb, 'agent', false)`;
  }
  return runId;
}

/**
 * Ten deals, five findings each (four suggestions and the auto next step), so one live
 * run makes 50 writes: into empty fields, over earlier suggestions, over an empty string.
 */
function fiftyWrites(): { seed: string; replay: string } {
  const fields = ['metrics', 'economic_buyer', 'identified_pain', 'champion'];
  // Notes say "economic buyer", as people write: a field name in a quote reads as an order to a tool.
  const said = (f: string) => f.replace(/_/g, ' ');
  const deals = Array.from({ length: 10 }, (_, i) => i);
  const seed = {
    users: [{ id: 'u1', name: 'Ana Ruiz', email: 'ana@example.com', slack_user_id: 'U01ANA' }],
    properties: [...fields, 'next_step'].map((name) => ({ name, label: name, type: 'text' })),
    deals: deals.map((i) => ({
      id: `m${i}`,
      name: `Mixed deal ${i}`,
      owner_id: 'u1',
      properties: {
        dealstage: 'discovery',
        amount: 1000 * (i + 1),
        ...(i % 3 === 0 ? { next_step: '' } : {}),
      },
      notes: [
        {
          id: `m${i}n1`,
          type: 'meeting',
          created_at: '2026-11-20T15:00:00Z',
          body:
            fields.map((f) => `The ${said(f)} for deal ${i} is value ${said(f)} ${i}.`).join(' ') +
            ` Next step: follow up on deal ${i}.`,
        },
      ],
    })),
  };
  const replay = Object.fromEntries(
    deals.map((i) => [
      `m${i}`,
      [
        ...fields.map((f) => ({
          field: f,
          value: `value ${f} ${i}`,
          note_id: `m${i}n1`,
          quote: `The ${said(f)} for deal ${i} is value ${said(f)} ${i}.`,
          confidence: 0.8,
        })),
        {
          field: 'next_step',
          value: `Follow up on deal ${i}`,
          note_id: `m${i}n1`,
          quote: `Next step: follow up on deal ${i}.`,
          confidence: 0.95,
        },
      ],
    ]),
  );
  const dir = mkdtempSync(join(tmpdir(), 'scout-undo-'));
  const seedPath = join(dir, 'seed.json');
  const replayPath = join(dir, 'replay.json');
  writeFileSync(seedPath, JSON.stringify(seed));
  writeFileSync(replayPath, JSON.stringify(replay));
  return { seed: seedPath, replay: replayPath };
}
