import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDealSummaryHarness,
  type DealSummaryHarness,
} from '../support/deal-summary-harness.js';

/** Everything Scout's database holds, as one comparable value. */
async function snapshot(s: DealSummaryHarness) {
  const sql = s.h.database.sql;
  return {
    deals: await sql`select id, properties from crm_deals order by id`,
    provenance: (await sql`select count(*)::int as n, max(id) as last from provenance`)[0],
    proposals: await sql`select id, status, version from proposals order by id`,
    runs: (await sql`select count(*)::int as n from runs`)[0],
    control: await sql`select key, value from control order by key`,
  };
}

describe('G16: /deal-summary cannot write', () => {
  let s: DealSummaryHarness;
  beforeAll(async () => {
    s = await createDealSummaryHarness();
    const runId = (await s.h.database.sql`select run_id from proposals limit 1`)[0]
      ?.run_id as string;
    await s.app.notifier.postProposals(runId);
  });
  afterAll(async () => {
    await s.close();
  });

  it('the role behind the summary holds SELECT only: Postgres refuses its writes', async () => {
    await expect(s.readOnlySql`update crm_deals set name = 'x' where id = 'd1'`).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      s.readOnlySql`insert into control (key, value, updated_by) values ('paused', 'true', 'x')`,
    ).rejects.toThrow(/permission denied/);
    expect((await s.readOnlySql`select count(*)::int as n from crm_deals`)[0]?.n).toBe(5);
  });

  it('every summary path runs on that role and a CRM whose writes throw, and changes nothing', async () => {
    const before = await snapshot(s);
    const callsBefore = s.slack.calls.length;
    const answers = [
      await s.command(''),
      await s.command('d1'),
      await s.command('acme renewal'),
      await s.command('e'),
      await s.command('nothing like it'),
      await s.command('d1 why closedate'),
      await s.command('globex why Economic Buyer'),
      await s.command('d1 why nonsense'),
    ];
    const share = await s.act({
      type: 'button',
      action_id: 'deal_summary_share',
      value: JSON.stringify({ d: 'd1' }),
    });
    const why = await s.act({
      type: 'static_select',
      action_id: 'deal_summary_why',
      selected_option: {
        text: { type: 'plain_text', text: 'Close date' },
        value: JSON.stringify({ d: 'd1', f: 'closedate' }),
      },
    });
    const pick = await s.act({
      type: 'button',
      action_id: 'deal_summary_pick_0',
      value: JSON.stringify({ d: 'd4' }),
    });
    // Each path answered with content, none with the failure message.
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const texts = [...answers.flatMap((a) => a.responses), ...share, ...why, ...pick].map((r) =>
      JSON.stringify(r),
    );
    expect(texts).toHaveLength(10);
    for (const t of texts) expect(t).not.toContain('could not build this answer');
    expect(texts.join('\n')).toContain('5 deals match');
    expect(s.crmWriteAttempts).toEqual([]);
    expect(await snapshot(s)).toEqual(before);
    // Slack was only asked for links; every answer went through response_url.
    expect(new Set(s.slack.calls.slice(callsBefore).map((c) => c.method))).toEqual(
      new Set(['chat.getPermalink']),
    );
    expect(s.slack.violations).toEqual([]);
  });
});
