import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClaudeNarrator } from '../../src/summary/claude-narrator.js';
import { type AnthropicStandIn, startAnthropicStandIn } from '../support/anthropic-stand-in.js';
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

const enableNarrative = (text: string) =>
  text.replace(
    'proposal_ttl_hours: 72',
    'proposal_ttl_hours: 72\ndeal_summary: { narrative: true }',
  );
const NOW = new Date('2026-11-24T09:00:00Z');

type Block = { type: string; block_id?: string; elements?: Array<{ value?: string }> };
const blocksOf = (r: Record<string, unknown> | undefined) => (r?.blocks ?? []) as Block[];

describe('G16: /deal-summary cannot write', () => {
  let s: DealSummaryHarness;
  let api: AnthropicStandIn;
  beforeAll(async () => {
    api = await startAnthropicStandIn();
    // Claude answers every narrative with a sentence quoting d1's meeting note.
    api.reply = () => ({
      kind: 'tool_input',
      input: {
        sentences: [
          {
            text: 'Dana expects to sign by January 31.',
            note_id: 'n2',
            quote: 'we can have this signed by January 31',
          },
        ],
      },
    });
    s = await createDealSummaryHarness({
      policyText: enableNarrative,
      narrator: createClaudeNarrator({
        apiKey: api.apiKey,
        baseURL: api.url,
        model: 'claude-sonnet-5-5',
        maxRetries: 0,
      }),
      now: NOW,
    });
    const runId = (await s.h.database.sql`select run_id from proposals limit 1`)[0]
      ?.run_id as string;
    await s.app.notifier.postProposals(runId);
  });
  afterAll(async () => {
    await s.close();
    await api.close();
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

  it('every summary path runs on that role and a CRM whose every write member throws, and changes nothing', async () => {
    const before = await snapshot(s);
    const callsBefore = s.slack.calls.length;
    const usage = await s.command('');
    const answers = {
      byId: await s.command('d1'),
      byName: await s.command('acme renewal'),
      ambiguous: await s.command('e'),
      none: await s.command('nothing like it'),
      whyById: await s.command('d1 why closedate'),
      whyByName: await s.command('globex why Economic Buyer'),
      whyAmbiguous: await s.command('e why closedate'),
      whyUnknownField: await s.command('d1 why nonsense'),
    };
    const pickerValues = (r: { responses: Array<Record<string, unknown>> }) =>
      blocksOf(r.responses[0])
        .find((b) => b.type === 'actions')
        ?.elements?.map((e) => JSON.parse(e.value ?? '{}'));
    expect(pickerValues(answers.ambiguous)?.[3]).toEqual({ d: 'd4' });
    expect(pickerValues(answers.whyAmbiguous)?.[0]).toEqual({ d: 'd1', f: 'closedate' });
    const acts = {
      pick: await s.act({
        type: 'button',
        action_id: 'deal_summary_pick_3',
        value: JSON.stringify({ d: 'd4' }),
      }),
      pickWhy: await s.act({
        type: 'button',
        action_id: 'deal_summary_pick_0',
        value: JSON.stringify({ d: 'd1', f: 'closedate' }),
      }),
      whyMenu: await s.act({
        type: 'static_select',
        action_id: 'deal_summary_why',
        selected_option: {
          text: { type: 'plain_text', text: 'Close date' },
          value: JSON.stringify({ d: 'd1', f: 'closedate' }),
        },
      }),
      share: await s.act({
        type: 'button',
        action_id: 'deal_summary_share',
        value: JSON.stringify({ d: 'd1' }),
      }),
    };

    // Usage help is in the ack; every other path answered once, with content.
    expect(JSON.parse(usage.ack).text).toMatch(/^Usage: /);
    expect(usage.responses).toEqual([]);
    for (const [path, a] of Object.entries(answers)) {
      expect(a.status, path).toBe(200);
      expect(a.responses, path).toHaveLength(1);
    }
    for (const [path, r] of Object.entries(acts)) expect(r, path).toHaveLength(1);
    const text = (r: Record<string, unknown> | undefined) => JSON.stringify(r ?? {});
    const all = [
      ...Object.values(answers).map((a) => a.responses[0]),
      ...Object.values(acts).map((r) => r[0]),
    ];
    for (const r of all)
      expect(text(r)).not.toMatch(/could not build this answer|no longer exists/);
    expect(text(answers.ambiguous.responses[0])).toContain('5 deals match');
    expect(text(answers.none.responses[0])).toContain('No deal matches');
    expect(text(answers.whyUnknownField.responses[0])).toContain('does not track a field');
    expect(text(acts.pickWhy[0])).toContain('Why: Close date on Acme');
    expect(text(acts.whyMenu[0])).toContain('Why: Close date on Acme');
    expect(acts.share[0]?.response_type).toBe('in_channel');
    // The narrative path ran: Claude was asked, and its gated sentence is in d1's answers.
    for (const r of [answers.byId.responses[0], answers.byName.responses[0], acts.share[0]])
      expect(blocksOf(r).some((b) => b.block_id === 'narrative')).toBe(true);
    expect(api.requests.length).toBeGreaterThanOrEqual(3);
    expect(api.violations).toEqual([]);

    expect(s.crmWriteAttempts).toEqual([]);
    expect(await snapshot(s)).toEqual(before);
    // Slack was only asked for links; every answer went through response_url.
    expect(new Set(s.slack.calls.slice(callsBefore).map((c) => c.method))).toEqual(
      new Set(['chat.getPermalink']),
    );
    expect(s.slack.violations).toEqual([]);
  });
});
