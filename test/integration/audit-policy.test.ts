import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';
import { testPolicyPath } from '../support/slack-harness.js';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('auditable policy (G25): every run records the policy it ran under', () => {
  let h: ScoutHarness;
  let path: string;
  beforeAll(async () => {
    path = testPolicyPath();
    h = await createHarness({ policy: path });
  });
  afterAll(async () => {
    await h.database.destroy();
  });

  it('the summary carries { path, sha256 }, the text is kept once per hash, and `policy show --run` prints it', async () => {
    const first = readFileSync(path, 'utf8');
    const a = await h.runJson([]);
    const b = await h.runJson(['--apply'], { LIVE_WRITES: '1' });
    expect(a.policy).toEqual({ path, sha256: sha(first) });
    expect(b.policy).toEqual(a.policy);
    const edited = first.replace('proposal_ttl_hours: 72', 'proposal_ttl_hours: 48');
    expect(edited).not.toBe(first);
    writeFileSync(path, edited);
    const c = await h.runJson([]);
    expect(c.policy).toEqual({ path, sha256: sha(edited) });
    const kept = await h.database.sql`select sha256 from policies order by created_at`;
    expect(kept.map((r) => r.sha256).sort()).toEqual([sha(first), sha(edited)].sort());

    const shownA = await h.ok(['policy', 'show', '--run', String(a.run_id)]);
    expect(shownA).toContain(`sha256 ${sha(first)}`);
    expect(shownA).toContain(first);
    const json = JSON.parse(await h.ok(['policy', 'show', '--run', String(c.run_id), '--json']));
    expect(json).toEqual({ run_id: c.run_id, path, sha256: sha(edited), text: edited });
    expect(sha(json.text)).toBe(json.sha256);

    const unknown = await h.cli(['policy', 'show', '--run', 'no-such-run']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No run "no-such-run"');
  });
});

describe('scout log filters (G25) against a hand-built log', () => {
  let h: ScoutHarness;
  const ids = new Map<string, number>();
  beforeAll(async () => {
    h = await createHarness({ setupFields: false });
    const rows: Array<[string, string, string, string, string]> = [
      // name, field, action, actor, created_at
      ['ben-approves-close', 'closedate', 'approved', 'slack:U01BEN', '2026-11-24T10:00:00Z'],
      ['ben-applies-close', 'closedate', 'applied', 'slack:U01BEN', '2026-11-24T10:00:01Z'],
      ['ana-approves-close', 'closedate', 'approved', 'slack:U01ANA', '2026-11-25T09:00:00Z'],
      ['ben-approves-old', 'closedate', 'approved', 'slack:U01BEN', '2026-11-10T09:00:00Z'],
      ['ben-approves-step', 'next_step', 'approved', 'slack:U01BEN', '2026-11-26T09:00:00Z'],
      ['agent-suggests', 'scout_economic_buyer', 'written', 'agent', '2026-11-26T09:00:00Z'],
      ['ben-rejects-buyer', 'economic_buyer', 'rejected', 'slack:U01BEN', '2026-11-27T09:00:00Z'],
    ];
    for (const [name, field, action, actor, at] of rows) {
      const [row] = await h.database.sql`insert into provenance
        (run_id, object, record_id, field, action, reason, actor, dry_run, created_at)
        values ('r1', 'deal', 'd1', ${field}, ${action}, ${name}, ${actor}, false, ${at})
        returning id`;
      ids.set(name, Number(row?.id));
    }
  });
  afterAll(async () => {
    await h.database.destroy();
  });

  const names = async (args: string[]) => (await h.log(args)).map((r) => String(r.reason));

  it('"every close date change approved by Ben last week": filters combine', async () => {
    expect(
      await names([
        '--field',
        'closedate',
        '--action',
        'approved',
        '--actor',
        'U01BEN',
        '--since',
        '2026-11-23',
        '--until',
        '2026-11-30',
      ]),
    ).toEqual(['ben-approves-close']);
  });

  it('each filter on its own, several actions at once, and the suggestion twin of a field', async () => {
    expect(await names(['--actor', 'slack:U01ANA'])).toEqual(['ana-approves-close']);
    expect(await names(['--actor', 'agent'])).toEqual(['agent-suggests']);
    expect(await names(['--action', 'approved,rejected', '--since', '2026-11-26'])).toEqual([
      'ben-approves-step',
      'ben-rejects-buyer',
    ]);
    expect(await names(['--field', 'economic_buyer'])).toEqual([
      'agent-suggests',
      'ben-rejects-buyer',
    ]);
    // --since is inclusive, --until exclusive.
    expect(
      await names(['--since', '2026-11-24T10:00:00Z', '--until', '2026-11-24T10:00:01Z']),
    ).toEqual(['ben-approves-close']);
    expect(await names(['--deal', 'd1', '--run', 'r1', '--field', 'next_step'])).toEqual([
      'ben-approves-step',
    ]);
    expect(await names(['--field', 'nothing_like_this'])).toEqual([]);
  });

  it('the table output applies the same filters', async () => {
    const out = await h.ok([
      'log',
      '--field',
      'closedate',
      '--actor',
      'U01BEN',
      '--action',
      'applied',
    ]);
    expect(out).toContain('applied');
    expect(out).toContain('ben-applies-close');
    expect(out).not.toContain('ben-approves-close');
    expect(await h.ok(['log', '--actor', 'nobody'])).toBe('no provenance rows\n');
  });

  it('bad filters are refused with a clear message (exit 2)', async () => {
    const action = await h.cli(['log', '--action', 'approved,aproved']);
    expect(action.code).toBe(2);
    expect(action.stderr).toContain('unknown action "aproved"');
    const since = await h.cli(['log', '--since', 'last tuesday']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('ISO date or time');
  });
});
