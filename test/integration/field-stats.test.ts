import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';

const LIVE = { LIVE_WRITES: '1' };

describe('scout stats and overturn detection (G26)', () => {
  let h: ScoutHarness;
  beforeEach(async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
  });
  afterEach(async () => {
    await h.database.destroy();
  });

  const setRep = (deal: string, field: string, value: string) =>
    h.database
      .sql`update crm_deals set properties = properties || ${JSON.stringify({ [field]: value })}::jsonb where id = ${deal}`;

  const firstAutoWrite = async () => {
    const run = await h.runJson(['--apply'], LIVE);
    const [write] = (await h.log(['--run', run.run_id as string])).filter(
      (r) => r.action === 'written' && !String(r.field).startsWith('scout_'),
    );
    if (!write) throw new Error('the example pipeline writes one auto field');
    return { write, deal: String(write.record_id), field: String(write.field) };
  };

  it('a run logs a rep overturning an auto write, once however many runs see it', async () => {
    const { write, deal, field } = await firstAutoWrite();
    await setRep(deal, field, 'The rep knows better');
    expect((await h.runJson(['--rescan'])).counts.overturned).toBe(1);
    expect((await h.runJson(['--apply', '--rescan'], LIVE)).counts.overturned).toBe(0);
    const rows = (await h.log()).filter((r) => r.action === 'overturned');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      record_id: deal,
      field,
      previous_value: write.new_value,
      new_value: 'The rep knows better',
      confidence: write.confidence,
      dry_run: false,
    });

    const stats = JSON.parse(await h.ok(['stats', '--json']));
    expect(stats.fields.find((f: { field: string }) => f.field === field)).toMatchObject({
      overturned: 1,
      auto_written: 1,
      overturn_rate: 1,
    });
  });

  it('a value Scout itself undid is not overturned when the rep changes it', async () => {
    const { write, deal, field } = await firstAutoWrite();
    await h.ok(['undo', '--change', String(write.id), '--apply'], LIVE);
    await setRep(deal, field, 'Something else');
    expect((await h.runJson(['--rescan'])).counts.overturned).toBe(0);
    expect((await h.log()).filter((r) => r.action === 'overturned')).toEqual([]);
  });

  it('counts hand-built decisions with known answers, rejections by reason and the median wait', async () => {
    const sql = h.database.sql;
    const base = new Date(Date.now() - 20 * 3_600_000).toISOString();
    const at = (hours: number) => new Date(Date.parse(base) + hours * 3_600_000).toISOString();
    // 12 proposals on closedate: 0.95 confidence → 8 approved as-is, 1 edited, 1 rejected;
    // 0.75 → 1 approved, 1 rejected without a reason. Waits: 1..12 hours.
    const plan: Array<[string, number, string | null]> = [
      ...Array.from(
        { length: 8 },
        () => ['approved', 0.95, 'approved in Slack'] as [string, number, string],
      ),
      ['edited', 0.95, 'approved with an edit'],
      ['rejected', 0.95, 'wrong year'],
      ['approved', 0.75, 'approved in Slack'],
      ['rejected', 0.75, null],
    ];
    for (const [i, [action, confidence, reason]] of plan.entries()) {
      const id = `p${i}`;
      await sql`insert into proposals (id, run_id, object, record_id, field, new_value, source_note_id, quote, confidence, model, status, dry_run, created_at, expires_at, decided_by, decided_at)
        values (${id}, 'r0', 'deal', 'd1', 'closedate', '"2027-01-31"'::jsonb, 'n1', 'q', ${confidence}, 'replay', 'applied', false, ${base}, now() + interval '1 day', 'U1', ${at(i + 1)})`;
      await sql`insert into provenance (run_id, object, record_id, field, action, actor, dry_run, confidence, proposal_id, created_at)
        values ('r0', 'deal', 'd1', 'closedate', 'proposed', 'agent', false, ${confidence}, ${id}, ${base})`;
      await sql`insert into provenance (run_id, object, record_id, field, action, reason, actor, dry_run, confidence, proposal_id, created_at)
        values ('r0', 'deal', 'd1', 'closedate', ${action}, ${reason}, 'slack:U1', false, ${confidence}, ${id}, ${at(i + 1)})`;
    }
    await sql`insert into provenance (run_id, object, record_id, field, action, actor, dry_run, created_at)
      values ('r0', 'deal', 'd1', 'closedate', 'expired', 'agent', false, now()),
             ('old', 'deal', 'd1', 'closedate', 'expired', 'agent', false, now() - interval '60 days')`;

    const stats = JSON.parse(await h.ok(['stats', '--json', '--since', '30d']));
    const c = stats.fields.find((f: { field: string }) => f.field === 'closedate');
    expect(c).toMatchObject({
      proposals: 12,
      approved_as_is: 9,
      edited: 1,
      rejected: 2,
      rejected_by_reason: { 'wrong year': 1, 'no reason': 1 },
      expired: 1,
      decisions: 12,
      approve_as_is_rate: 0.75,
      // Waits of 1..12 hours: the median is 6.5 hours.
      median_decision_seconds: 6.5 * 3600,
    });
    expect(c.buckets).toEqual([
      {
        bucket: '0.7–0.8',
        decisions: 2,
        approved_as_is: 1,
        rate: 0.5,
        wilson_95: { low: 0.0945, high: 0.9055 },
      },
      {
        bucket: '0.9–1.0',
        decisions: 10,
        approved_as_is: 8,
        rate: 0.8,
        wilson_95: { low: 0.4902, high: 0.9433 },
      },
    ]);
    const table = await h.ok(['stats']);
    expect(table).toContain('Rejections by reason');
    expect(table).toMatch(/closedate\s+0\.9–1\.0\s+10\s+8\s+80%\s+49–94%/);
    expect((await h.cli(['stats', '--since', 'last tuesday'])).code).toBe(2);
  });

  it('scout autonomy prints advice as a policy diff and leaves the policy file byte-identical', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scout-autonomy-'));
    const path = join(dir, 'policy.yml');
    const text = readFileSync(AUTO_NEXT_STEP_POLICY, 'utf8').replace(
      /write: auto #[^\n]*/,
      'write: auto',
    );
    writeFileSync(path, text);
    const before = statSync(path).mtimeMs;
    const sql = h.database.sql;
    // next_step (auto): 30 writes, 12 overturned. identified_pain: 5 writes, too few to judge.
    await sql`insert into provenance (run_id, object, record_id, field, action, actor, dry_run, created_at)
      select 'r0', 'deal', 'd' || i, 'next_step', case when i <= 12 then 'overturned' else 'written' end, 'agent', false, now()
      from generate_series(1, 42) as i`;
    await sql`insert into provenance (run_id, object, record_id, field, action, actor, dry_run, created_at)
      select 'r0', 'deal', 'd' || i, 'scout_identified_pain', 'written', 'agent', false, now()
      from generate_series(1, 5) as i`;

    const out = await h.ok(['autonomy'], { SCOUT_POLICY: path });
    expect(out).toContain('next_step: demote from auto to approve — 12 of 30');
    expect(out).toContain('identified_pain (suggest, 5 of 20)');
    expect(out).toContain('-        write: auto\n+        write: approve');
    const json = JSON.parse(await h.ok(['autonomy', '--json'], { SCOUT_POLICY: path }));
    expect(json.advice).toMatchObject([
      {
        field: 'next_step',
        kind: 'demote',
        from: 'auto',
        to: 'approve',
        evidence: { successes: 12, trials: 30 },
      },
    ]);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(statSync(path).mtimeMs).toBe(before);
  });
});
