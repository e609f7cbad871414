import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { applyProposal } from '../../src/services/apply-proposal.js';
import { decideProposal } from '../../src/services/decide-proposal.js';
import {
  createDealSummaryHarness,
  type DealSummaryHarness,
  MANAGER,
} from '../support/deal-summary-harness.js';
import { EXAMPLE_SEED } from '../support/scout-env.js';
import { APPROVER } from '../support/slack-harness.js';

type Block = {
  type: string;
  block_id?: string;
  text?: { text: string };
  elements?: Array<Record<string, unknown>>;
};
type Answer = Record<string, unknown> & { blocks?: Block[]; text?: string };

const blocksOf = (a: Answer | undefined) => (a?.blocks ?? []) as Block[];
const allText = (a: Answer | undefined) => JSON.stringify(a ?? {});
const header = (a: Answer | undefined) => blocksOf(a).find((b) => b.type === 'header')?.text?.text;

/** Two more deals: one that makes "acme" ambiguous, one with accents. */
function extraSeed(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scout-summary-'));
  const path = join(dir, 'extra.seed.json');
  writeFileSync(
    path,
    JSON.stringify({
      users: [],
      properties: [],
      deals: [
        {
          id: 'd6',
          name: 'ACME Corp — expansion',
          owner_id: 'u1',
          properties: { dealstage: 'proposal' },
          notes: [],
        },
        {
          id: 'd7',
          name: 'Société Générale — pilot',
          owner_id: 'u2',
          properties: { dealstage: 'discovery', amount: 9000 },
          notes: [],
        },
      ],
    }),
  );
  return path;
}

describe('/deal-summary over signed HTTP, read-only, answered through response_url', () => {
  let s: DealSummaryHarness;
  beforeAll(async () => {
    s = await createDealSummaryHarness();
    await s.h.ok(['crm', 'seed', extraSeed()]);
  });
  afterAll(async () => {
    await s.close();
  });

  it('empty text: usage help inside the ack, nothing sent to response_url', async () => {
    const r = await s.command('   ');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.ack)).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Usage: `/deal-summary &lt;deal name or id&gt;`'),
    });
    // Slack reads any bare <…> as a link or a mention, even in code: none is left.
    expect(JSON.parse(r.ack).text).not.toMatch(/[<>]/);
    expect(r.responses).toEqual([]);
  });

  it('exact id: an empty ack at once, then one ephemeral answer on response_url', async () => {
    const r = await s.command('d1');
    expect(r.status).toBe(200);
    expect(r.ack).toBe('');
    expect(r.responses).toHaveLength(1);
    expect(r.responses[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(header(r.responses[0])).toBe('Acme — 2027 renewal');
  });

  it('snapshot of a real answer and a real history (times and run ids normalised)', async () => {
    const normalise = (a: unknown) =>
      JSON.parse(
        JSON.stringify(a)
          .replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, '<time>')
          .replace(/ on 2\d{3}-\d\d-\d\d/g, ' on <day>')
          .replace(/run \(\w{8}\)/g, 'run (<run>)'),
      );
    expect(normalise((await s.command('d1')).responses[0])).toMatchSnapshot();
    const why = (await s.command('d1 why Economic Buyer')).responses[0];
    expect(normalise(why)).toMatchSnapshot();
    // Labels, not property keys: neither the field's nor its suggestion's.
    expect(JSON.stringify(why)).toContain("*Economic buyer* and Scout's suggestion for it");
    expect(JSON.stringify(why)).not.toMatch(/scout_|economic_buyer`/);
  });

  it.each([
    ['the full name', 'Acme — 2027 renewal', 'Acme — 2027 renewal'],
    ['a partial word in another case', 'GLOBE', 'Globex — platform expansion'],
    ['two partial words', 'acme renew', 'Acme — 2027 renewal'],
    ['without accents', 'societe generale', 'Société Générale — pilot'],
    ['with other accents and case', 'SOCIÉTÉ pil', 'Société Générale — pilot'],
  ])('by %s', async (_what, query, name) => {
    const r = await s.command(query);
    expect(header(r.responses[0])).toBe(name);
  });

  it('several matches: an ephemeral picker with one button per deal; a pick replaces it with the answer', async () => {
    const r = await s.command('acme');
    expect(r.responses).toHaveLength(1);
    const picker = r.responses[0] as Answer;
    expect(picker.response_type).toBe('ephemeral');
    const buttons = blocksOf(picker).find((b) => b.type === 'actions')?.elements ?? [];
    expect(buttons.map((b) => (b.text as { text: string }).text)).toEqual([
      'Acme — 2027 renewal',
      'ACME Corp — expansion',
    ]);
    expect(buttons.map((b) => JSON.parse(b.value as string))).toEqual([{ d: 'd1' }, { d: 'd6' }]);
    const picked = await s.act({ type: 'button', ...buttons[1] });
    expect(picked).toHaveLength(1);
    expect(picked[0]).toMatchObject({ replace_original: true, response_type: 'ephemeral' });
    expect(header(picked[0])).toBe('ACME Corp — expansion');
  });

  it('no match: says so and offers the closest names', async () => {
    const r = await s.command('acmee renewl');
    expect(r.responses).toHaveLength(1);
    expect(r.responses[0]?.text).toMatch(
      /^No deal matches “acmee renewl”\. Closest names: \*Acme — 2027 renewal\* \(`d1`\)/,
    );
  });

  it('no match and nothing close: says so without inventing names', async () => {
    const r = await s.command('zzzz qqqq');
    expect(r.responses[0]?.text).toBe(
      'No deal matches “zzzz qqqq”. Try a deal id or another part of its name.',
    );
  });

  it("the answer: facts, coverage, fields with a value and why, Scout's differing suggestion, the empty ones in one line", async () => {
    const a = (await s.command('Globex')).responses[0] as Answer;
    const text = allText(a);
    // The stage's label and the amount as a number people read (the seed names no currency).
    expect(text).toContain('*Stage*\\nProposal');
    expect(text).toContain('*Amount*\\n120,000');
    expect(text).not.toMatch(/\\nproposal|120000/);
    expect(text).toContain('*Owner*\\nBen Okafor');
    expect(text).toContain('<https://crm.example.com/deals/d2|Globex — platform expansion>');
    expect(text).toMatch(/Last scanned \d{4}-\d\d-\d\d \d\d:\d\d UTC in a \*LIVE\* run/);
    // A rep-entered value Scout never touched, and Scout's own suggestion with its quote.
    expect(text).toContain(
      '*Economic buyer*: Priya Nair (VP Finance)\\n   ↳ entered by the rep\\n',
    );
    expect(text).toMatch(
      /\*Competition\*: —\\n {3}↳ Scout suggests Initrode: written by Scout without a person on [\d-]+ from an email of 2026-11-19\\n> We are also talking to Initrode/,
    );
    // No rows of dashes, no value said twice: the empty fields are named once.
    expect(text).not.toContain('│');
    expect(text).not.toContain('pending: —');
    expect(text).toMatch(/\*Still empty\*: [^"]*Identified pain/);
    expect(text).not.toMatch(/\*Still empty\*: [^"]*Competition/);
  });

  it('a pending proposal whose card is not posted yet says so', async () => {
    const a = (await s.command('d1')).responses[0] as Answer;
    const pending = blocksOf(a).find((b) => b.block_id === 'pending')?.text?.text ?? '';
    expect(pending).toMatch(/ · expires [^·]+ · card not posted yet$/);
  });

  it('a deal with Slack cards: pending proposals link to their thread (chat.getPermalink)', async () => {
    const runId = (await s.h.database.sql`select run_id from proposals limit 1`)[0]
      ?.run_id as string;
    await s.app.notifier.postProposals(runId);
    const a = (await s.command('d1')).responses[0] as Answer;
    const pending = blocksOf(a).find((b) => b.block_id === 'pending')?.text?.text ?? '';
    expect(pending).toMatch(
      /^\*Pending proposals \(1\)\*\n• \*Close date\* → 2027-01-31 · confidence medium · 0\.80 ▰▰▰▰▱ · expires .* · <https:\/\/example\.slack\.com\/archives\/D01ANA\/p\d+\?thread_ts=[\d.]+&cid=D01ANA\|open its thread>$/,
    );
    expect(s.slack.calls.some((c) => c.method === 'chat.getPermalink')).toBe(true);
  });

  it('a card whose link Slack refuses reads “card posted, link unavailable”, not “not posted”', async () => {
    s.slack.faults.set('chat.getPermalink', [{ error: 'channel_not_found' }]);
    const a = (await s.command('d1')).responses[0] as Answer;
    const pending = blocksOf(a).find((b) => b.block_id === 'pending')?.text?.text ?? '';
    expect(pending).toMatch(
      /^\*Pending proposals \(1\)\*\n• \*Close date\* → 2027-01-31 · confidence medium · 0\.80 ▰▰▰▰▱ · expires .* · card posted, link unavailable$/,
    );
    expect(s.slack.faults.get('chat.getPermalink')).toEqual([]);
  });

  it('Share in channel posts the answer in_channel, without buttons, saying who shared it', async () => {
    const shared = await s.act({
      type: 'button',
      action_id: 'deal_summary_share',
      value: JSON.stringify({ d: 'd2' }),
    });
    expect(shared).toHaveLength(1);
    const a = shared[0] as Answer;
    expect(a).toMatchObject({ response_type: 'in_channel', replace_original: false });
    expect(header(a)).toBe('Globex — platform expansion');
    expect(blocksOf(a).some((b) => b.type === 'actions')).toBe(false);
    expect(blocksOf(a).at(-1)?.elements?.[0]?.text).toMatch(
      new RegExp(`^Shared by <@${MANAGER}> · read-only summary by Scout at `),
    );
  });

  it('a deal gone from the CRM since the answer: Share, a pick and the why menu say so', async () => {
    const gone = 'That deal no longer exists in the CRM.';
    const share = await s.act({
      type: 'button',
      action_id: 'deal_summary_share',
      value: JSON.stringify({ d: 'd404' }),
    });
    expect(share).toEqual([{ response_type: 'ephemeral', replace_original: false, text: gone }]);
    const pick = await s.act({
      type: 'button',
      action_id: 'deal_summary_pick_0',
      value: JSON.stringify({ d: 'd404' }),
    });
    expect(pick).toEqual([{ response_type: 'ephemeral', replace_original: true, text: gone }]);
    const why = await s.act({
      type: 'static_select',
      action_id: 'deal_summary_why',
      selected_option: {
        text: { type: 'plain_text', text: 'Close date' },
        value: JSON.stringify({ d: 'd404', f: 'closedate' }),
      },
    });
    expect(why).toEqual([{ response_type: 'ephemeral', replace_original: false, text: gone }]);
  });

  it('a button value that is not ours is ignored', async () => {
    expect(
      await s.act({ type: 'button', action_id: 'deal_summary_share', value: '{"d":"d1","x":1}' }),
    ).toEqual([]);
  });

  it('why for an unknown field lists the fields Scout tracks', async () => {
    const r = await s.command('acme why budget');
    expect(r.responses[0]?.text).toMatch(
      /^Scout does not track a field called “budget”\. Fields: `metrics`, `economic_buyer`, .*`closedate`\.$/,
    );
  });

  it('why on an ambiguous deal: the picker carries the field, and a pick shows the history', async () => {
    const r = await s.command('acme why economic buyer');
    const buttons = blocksOf(r.responses[0] as Answer).find((b) => b.type === 'actions')?.elements;
    expect(JSON.parse(buttons?.[0]?.value as string)).toEqual({ d: 'd1', f: 'economic buyer' });
    const picked = await s.act({ type: 'button', ...buttons?.[0] });
    expect(header(picked[0])).toBe('Why: Economic buyer on Acme — 2027 renewal');
    expect(allText(picked[0])).toContain("*suggested* Dana Whitfield (CFO) (Scout's own field)");
  });

  it('the field select on the answer shows that field’s history', async () => {
    const history = await s.act({
      type: 'static_select',
      action_id: 'deal_summary_why',
      selected_option: {
        text: { type: 'plain_text', text: 'Next step' },
        value: JSON.stringify({ d: 'd1', f: 'next_step' }),
      },
    });
    expect(history).toHaveLength(1);
    expect(header(history[0])).toBe('Why: Next step on Acme — 2027 renewal');
    expect(allText(history[0])).toContain(
      '*written* Send the security questionnaire by Friday by Scout without a person (was —)',
    );
  });

  it('coverage: after a dry run, the answer says DRY RUN and when the last live scan was', async () => {
    await s.h.ok(['run']);
    const coverage = blocksOf((await s.command('d2')).responses[0] as Answer).find(
      (b) => b.block_id === 'coverage',
    );
    expect(coverage?.elements?.[0]?.text).toMatch(
      /^:mag: Last scanned [\d-]+ [\d:]+ UTC in a \*DRY RUN\* run \(\w{8}\) · last live scan [\d-]+ [\d:]+ UTC in a \*LIVE\* run \(\w{8}\)$/,
    );
  });

  it('every Slack call and every response met the Web API contract and Block Kit limits', () => {
    expect(s.slack.violations).toEqual([]);
  });
});

/** The example pipeline with a close date on d1 that the rep entered before Scout. */
function seedWithCloseDate(): string {
  const seed = JSON.parse(readFileSync(EXAMPLE_SEED, 'utf8')) as {
    deals: Array<{ id: string; properties: Record<string, unknown> }>;
  };
  const d1 = seed.deals.find((d) => d.id === 'd1');
  if (!d1) throw new Error('the example seed has no d1');
  d1.properties.closedate = '2026-12-15';
  const path = join(mkdtempSync(join(tmpdir(), 'scout-summary-')), 'closedate.seed.json');
  writeFileSync(path, JSON.stringify(seed));
  return path;
}

describe('why: a field proposed, edited, applied and undone', () => {
  let s: DealSummaryHarness;
  beforeAll(async () => {
    s = await createDealSummaryHarness({ seed: seedWithCloseDate() });
  });
  afterAll(async () => {
    await s.close();
  });

  it('the answer names the approver while the value stands; after `scout undo` it says the undo restored it, and the history shows every step', async () => {
    const db = s.h.database.db;
    const crm = createLocalCrm(db);
    const proposals = createProposalStore(db);
    const row = (
      await s.h.database
        .sql`select id, version, old_value from proposals where record_id = 'd1' and field = 'closedate'`
    )[0] as { id: string; version: number; old_value: unknown };
    expect(row.old_value).toBe('2026-12-15');
    const decided = await decideProposal(
      { crm, proposals, policy: s.policy, clock: () => new Date() },
      {
        proposalId: row.id,
        version: row.version,
        userId: APPROVER,
        decision: { kind: 'edit', value: '2027-02-15' },
      },
    );
    expect(decided.kind).toBe('decided');
    await applyProposal(
      { crm, proposals, policy: s.policy, liveWrites: '1', isPaused: async () => false },
      row.id,
    );

    const applied = (await s.command('d1 why close date')).responses[0] as Answer;
    const summary = allText((await s.command('d1')).responses[0]);
    expect(summary).toContain('*Close date*\\n2027-02-15');
    expect(summary).toMatch(
      new RegExp(
        `\\*Close date\\* \\(above\\): approved with an edit by <@${APPROVER}> on [\\d-]+ from a meeting of 2026-11-20\\\\n> we can have this signed by January 31`,
      ),
    );
    expect(allText(applied)).toContain('*applied* 2027-02-15 to the CRM (was 2026-12-15)');

    // The undo service itself, as `scout undo --change` runs it: the CRM value goes back
    // to the rep's, and the undo run logs its `undone` row.
    const appliedId = (
      await s.h.database
        .sql`select id::int from provenance where proposal_id = ${row.id} and action = 'applied'`
    )[0]?.id as number;
    const undone = JSON.parse(
      await s.h.ok(['undo', '--json', '--change', String(appliedId), '--apply'], {
        LIVE_WRITES: '1',
      }),
    ) as { mode: string; counts: Record<string, number> };
    expect(undone.mode).toBe('live');
    expect(undone.counts).toMatchObject({ undone: 1, conflict: 0, failed: 0 });
    const undoRows = await s.h.database
      .sql`select action, actor, previous_value, new_value, undoes::int from provenance where undoes is not null`;
    expect(undoRows.map((r) => ({ ...r }))).toEqual([
      {
        action: 'undone',
        actor: 'cli',
        previous_value: '2027-02-15',
        new_value: '2026-12-15',
        undoes: appliedId,
      },
    ]);

    const history = (await s.command('Acme renewal why closedate')).responses[0] as Answer;
    const sections = blocksOf(history)
      .filter((b) => b.block_id?.startsWith('history_') && b.type === 'section')
      .map((b) => b.text?.text ?? '')
      .join('\n');
    const steps = [...sections.matchAll(/^\*[\d-]+ [\d:]+ UTC\* · (\*[a-z ]+\*)/gm)].map(
      (m) => m[1],
    );
    expect(steps).toEqual(['*proposed*', '*edited*', '*applied*', '*undone*']);
    expect(sections).toContain('*proposed* 2027-01-31 (was 2026-12-15)');
    expect(sections).toContain(`*edited* to 2027-02-15 and approved by <@${APPROVER}>`);
    expect(sections).toContain(
      `*applied* 2027-02-15 to the CRM (was 2026-12-15), approved by <@${APPROVER}>`,
    );
    expect(sections).toMatch(/\*undone\* by cli: back to 2026-12-15 \(was 2027-02-15\)/);
    // The quote is on every row that came from the note: the proposal, the edit, the apply.
    expect(
      sections.match(/^> we can have this signed by January 31$/gm)?.length,
    ).toBeGreaterThanOrEqual(3);
    expect(sections).toContain('from a meeting of 2026-11-20');

    const now = allText((await s.command('d1')).responses[0]);
    expect(now).toContain('*Close date*\\n2026-12-15');
    expect(now).toMatch(
      /\*Close date\* \(above\): restored by an undo by cli on [\d-]+ \(Scout's 2027-02-15 was taken back\)/,
    );
    expect(s.slack.violations).toEqual([]);
  });
});
