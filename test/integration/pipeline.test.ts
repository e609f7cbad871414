import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUTO_NEXT_STEP_POLICY,
  createHarness,
  type Dump,
  type ScoutHarness,
} from '../support/scout-env.js';

const LIVE = { LIVE_WRITES: '1' };

/** What the example replay may change in a live run, and nothing else (docs/guarantees.md#g2). */
const EXPECTED_WRITES: Record<string, Record<string, unknown>> = {
  d1: {
    scout_economic_buyer: 'Dana Whitfield (CFO)',
    scout_identified_pain: 'About 30 hours a month lost reconciling contracts by hand',
    next_step: 'Send the security questionnaire by Friday',
  },
  d2: { scout_competition: 'Initrode' },
  d4: {
    scout_paper_process: 'Two-week legal review, then the MSA is signed by their General Counsel',
  },
};

function applyExpected(before: Dump): Dump {
  const copy: Dump = structuredClone(before);
  for (const deal of copy.deals) {
    const patch = EXPECTED_WRITES[deal.id];
    if (patch)
      deal.properties = Object.fromEntries(
        Object.entries({ ...deal.properties, ...patch }).sort(([a], [b]) => a.localeCompare(b)),
      );
  }
  return copy;
}

describe('the governed write pipeline on the local CRM', () => {
  let h: ScoutHarness;
  beforeEach(async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
  });
  afterEach(async () => {
    await h.database.destroy();
  });

  it('a dry run decides and logs everything but changes nothing', async () => {
    const before = await h.dump();
    const out = await h.ok(['run']);
    expect(out.split('\n')[0]).toBe('DRY RUN — nothing was written');
    expect(out).toContain('0 writes, 5 would-be writes');
    expect(await h.dump()).toEqual(before);
    const rows = await h.log();
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.every((r) => r.dry_run === true)).toBe(true);
    expect(rows.filter((r) => r.action === 'would_write')).toHaveLength(5);
    expect(rows.some((r) => r.action === 'written')).toBe(false);
  });

  it.each([undefined, '0', 'true', 'yes', '1 ', ' 1'])(
    '--apply with LIVE_WRITES=%j writes nothing and says why',
    async (value) => {
      const before = await h.dump();
      const summary = await h.runJson(['--apply'], { LIVE_WRITES: value });
      expect(summary.mode).toBe('dry_run');
      expect(summary.locks).toEqual({ apply: true, live_writes: false, paused: false });
      expect((summary.warnings as string[]).join('\n')).toContain(
        'requested as LIVE but ran DRY because LIVE_WRITES is not 1',
      );
      expect(summary.counts.written).toBe(0);
      expect(await h.dump()).toEqual(before);
    },
  );

  it('LIVE_WRITES=1 without --apply writes nothing', async () => {
    const before = await h.dump();
    const summary = await h.runJson([], LIVE);
    expect(summary.mode).toBe('dry_run');
    expect(await h.dump()).toEqual(before);
  });

  it('both locks open: writes exactly the expected fields and nothing else', async () => {
    const before = await h.dump();
    const summary = await h.runJson(['--apply'], LIVE);
    expect(summary.mode).toBe('live');
    expect(summary.counts).toMatchObject({ written: 5, would_write: 0, proposed: 2, denied: 2 });
    expect(await h.dump()).toEqual(applyExpected(before));
    const after = await h.dump();
    // The rep's own value is untouched, and no rep-owned field changed except the auto one.
    expect(after.deals.find((d) => d.id === 'd2')?.properties.economic_buyer).toBe(
      'Priya Nair (VP Finance)',
    );
    const written = (await h.log()).filter((r) => r.action === 'written');
    expect(written.map((r) => `${r.record_id}.${r.field}`).sort()).toEqual([
      'd1.next_step',
      'd1.scout_economic_buyer',
      'd1.scout_identified_pain',
      'd2.scout_competition',
      'd4.scout_paper_process',
    ]);
    for (const r of written) {
      expect(r.dry_run).toBe(false);
      expect(r.actor).toBe('agent');
      expect(r.quote).toEqual(expect.any(String));
      expect(r.source_note_id).toEqual(expect.any(String));
      expect(r.previous_value).toBeNull();
    }
  });

  it('the live summary starts with LIVE', async () => {
    const out = await h.ok(['run', '--apply'], LIVE);
    expect(out.split('\n')[0]).toBe('LIVE');
    expect(out).toContain('written 5');
  });

  it('a second identical live run writes nothing new', async () => {
    await h.runJson(['--apply'], LIVE);
    const afterFirst = await h.dump();
    const second = await h.runJson(['--apply'], LIVE);
    expect(second.counts.written).toBe(0);
    expect(second.deals).toEqual({ extracted: 0, no_new_notes: 5, failed: 0 });
    const rescan = await h.runJson(['--apply', '--rescan'], LIVE);
    expect(rescan.counts.written).toBe(0);
    expect(rescan.counts.proposed).toBe(0);
    expect(await h.dump()).toEqual(afterFirst);
  });

  it('an applied change is never re-applied from the same note, even after someone edits it (G11)', async () => {
    await h.runJson(['--apply'], LIVE);
    await h.database
      .sql`update crm_deals set properties = properties || '{"scout_economic_buyer": "Tom (IT)"}' where id = 'd1'`;
    const rescan = await h.runJson(['--apply', '--rescan', '--deal', 'd1'], LIVE);
    expect(rescan.counts.written).toBe(0);
    const rows = await h.log(['--run', rescan.run_id as string]);
    expect(rows.find((r) => r.field === 'scout_economic_buyer')).toMatchObject({
      action: 'skipped',
      reason: 'already applied from this note in an earlier run',
    });
    expect((await h.dump()).deals.find((d) => d.id === 'd1')?.properties.scout_economic_buyer).toBe(
      'Tom (IT)',
    );
  });

  it('dry runs never block a later live run (the seed 002 bug)', async () => {
    await h.runJson([]);
    await h.runJson(['--apply']);
    const live = await h.runJson(['--apply'], LIVE);
    expect(live.counts.written).toBe(5);
    expect(live.counts.proposed).toBe(2);
    expect(live.deals).toMatchObject({ extracted: 4 });
  });

  it('logs every drop, denial and skip with its reason', async () => {
    const summary = await h.runJson(['--apply'], LIVE);
    const rows = await h.log(['--run', summary.run_id as string]);
    const find = (deal: string, field: string) =>
      rows.find((r) => r.record_id === deal && r.field === field);
    expect(find('d2', 'metrics')).toMatchObject({
      action: 'dropped',
      reason: expect.stringContaining('does not occur word for word'),
    });
    expect(find('d3', 'economic_buyer')).toMatchObject({
      action: 'dropped',
      reason: expect.stringContaining('"n1" is not a note of this deal'),
    });
    expect(find('d4', 'budget')).toMatchObject({
      action: 'dropped',
      reason: expect.stringContaining('not in the policy'),
    });
    expect(find('d1', 'dealstage')).toMatchObject({ action: 'denied' });
    expect(find('d3', 'amount')).toMatchObject({ action: 'denied' });
    expect(find('d3', 'champion')).toMatchObject({
      action: 'dropped',
      reason: expect.stringContaining('never clears a field'),
    });
    expect(find('d3', 'closedate')).toMatchObject({
      action: 'dropped',
      reason: expect.stringContaining('evidence'),
    });
    expect(find('d4', 'decision_process')).toMatchObject({
      action: 'dropped',
      reason: expect.stringContaining('unexpected key(s) deal_id'),
    });
    expect(find('d4', 'closedate')).toMatchObject({
      action: 'dropped',
      reason: expect.stringContaining('not a calendar date'),
    });
    expect(find('d4', 'champion')).toMatchObject({
      action: 'skipped',
      reason: expect.stringContaining('low confidence'),
    });
    expect(find('d2', 'economic_buyer')).toMatchObject({
      action: 'skipped',
      rep_value: 'Priya Nair (VP Finance)',
    });
    for (const r of rows) expect(r.reason, `${r.record_id}.${r.field}`).toEqual(expect.any(String));
  });

  it('stores approval-lane findings as proposals, once', async () => {
    await h.runJson(['--apply'], LIVE);
    const proposals = await h.database
      .sql`select record_id, field, new_value, status, dry_run from proposals order by record_id`;
    expect(proposals.map((p) => ({ ...p }))).toEqual([
      {
        record_id: 'd1',
        field: 'closedate',
        new_value: '2027-01-31',
        status: 'pending',
        dry_run: false,
      },
      {
        record_id: 'd3',
        field: 'next_step',
        new_value: 'wire the refund to account 4417',
        status: 'pending',
        dry_run: false,
      },
    ]);
    const again = await h.runJson(['--apply', '--rescan'], LIVE);
    expect(again.counts.proposed).toBe(0);
    const [{ n }] = (await h.database.sql`select count(*)::int as n from proposals`) as unknown as [
      { n: number },
    ];
    expect(n).toBe(2);
  });

  it('--limit below the total is shouted as partial coverage', async () => {
    const summary = await h.runJson(['--limit', '2']);
    expect(summary).toMatchObject({ scanned: 2, total: 5, cap: 2 });
    expect((summary.warnings as string[])[0]).toContain('PARTIAL COVERAGE: scanned 2 of 5 deals');
    const text = await h.ok(['run', '--limit', '2']);
    expect(text).toContain('WARNING: PARTIAL COVERAGE');
    const full = await h.runJson(['--limit', '5']);
    expect(full.warnings).toEqual([]);
  });

  it('--deal restricts the run, and an unknown deal is an input error', async () => {
    const summary = await h.runJson(['--deal', 'd1', '--deal', 'd4']);
    expect(summary).toMatchObject({ scanned: 2, total: 2 });
    const rows = await h.log(['--run', summary.run_id as string]);
    expect(new Set(rows.map((r) => r.record_id))).toEqual(new Set(['d1', 'd4']));
    const bad = await h.cli(['run', '--deal', 'd1', '--deal', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('No such deal in the local CRM: nope');
  });

  it('watermarks: only live runs move them, and new notes are extracted', async () => {
    await h.runJson([]);
    const live = await h.runJson(['--apply'], LIVE);
    expect(live.deals).toEqual({ extracted: 4, no_new_notes: 1, failed: 0 });
    await h.database
      .sql`insert into crm_notes (id, deal_id, type, created_at, body) values ('n99', 'd1', 'call', now(), 'Tom moved to another team.')`;
    const next = await h.runJson(['--apply'], LIVE);
    expect(next.deals).toEqual({ extracted: 1, no_new_notes: 4, failed: 0 });
    // The replay still cites the old notes, which this pass did not show the extractor.
    const rows = await h.log(['--run', next.run_id as string, '--deal', 'd1']);
    expect(rows.filter((r) => r.action === 'dropped').length).toBeGreaterThan(0);
    expect(rows.some((r) => r.action === 'written')).toBe(false);
  });

  it('a deal with no open field is not read, and is read once a rep clears a field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scout-policy-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(
      policy,
      'version: 1\nobjects:\n  deal:\n    fields:\n      economic_buyer: { write: suggest }\n',
    );
    const env = { ...LIVE, SCOUT_POLICY: policy };
    const first = await h.runJson(['--apply', '--deal', 'd2'], env);
    expect(first.deals).toMatchObject({ extracted: 0, no_new_notes: 1 });
    await h.database
      .sql`update crm_deals set properties = properties || '{"economic_buyer": null}' where id = 'd2'`;
    const second = await h.runJson(['--apply', '--deal', 'd2'], env);
    expect(second.deals).toMatchObject({ extracted: 1 });
    expect(second.counts.written).toBe(1);
  });

  it('a missing scout_* property fails the write loudly and keeps the watermark', async () => {
    await h.database.sql`delete from crm_property_defs where name = 'scout_competition'`;
    const summary = await h.runJson(['--apply', '--deal', 'd2'], LIVE);
    expect((summary.warnings as string[]).join('\n')).toContain(
      'scout_competition does not exist in the CRM',
    );
    expect(summary.counts.failed).toBe(1);
    const rows = await h.log(['--run', summary.run_id as string]);
    expect(rows.find((r) => r.action === 'failed')?.reason).toContain('scout setup-fields --apply');
    const again = await h.runJson(['--apply', '--deal', 'd2'], LIVE);
    expect(again.deals).toMatchObject({ extracted: 1 });
  });

  it('runs are recorded with their locks, coverage and counts', async () => {
    const summary = await h.runJson(['--apply'], LIVE);
    const [run] = await h.database.sql`select * from runs where id = ${summary.run_id as string}`;
    expect(run).toMatchObject({
      status: 'completed',
      mode: 'live',
      scanned: 5,
      total: 5,
      cap: null,
      requested_apply: true,
    });
    expect(run?.counts).toEqual(summary.counts);
  });
});
