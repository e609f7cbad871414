import type { KnownBlock } from '@slack/types';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { HistoryRow } from '../../src/db/deal-history-reader.js';
import type { PropertyDef } from '../../src/domain/values.js';
import type { CrmPort } from '../../src/services/ports/crm.js';
import { dealSummaryMessage } from '../../src/slack/blocks/deal-summary.js';
import { fieldHistoryMessage } from '../../src/slack/blocks/deal-summary-history.js';
import { dealPicker, noMatch } from '../../src/slack/blocks/deal-summary-lookup.js';
import type {
  DealSummary,
  FieldHistory,
  FieldRow,
  NoteRef,
} from '../../src/summary/summarize-deal.js';
import {
  type DealSummaryPorts,
  type ReadOnlyCrm,
  readOnlyCrm,
} from '../../src/summary/summary-ports.js';
import { checkBlocks } from '../support/block-kit-limits.js';

const T = (day: number, hour = 12) => new Date(Date.UTC(2026, 10, day, hour));
const notes: ReadonlyMap<string, NoteRef> = new Map([
  ['n1', { id: 'n1', type: 'call', createdAt: T(18) }],
  ['n2', { id: 'n2', type: 'meeting', createdAt: T(20) }],
  ['n6', { id: 'n6', type: 'email_reply', createdAt: T(22) }],
]);

function field(name: string, over: Partial<FieldRow> = {}): FieldRow {
  return {
    name,
    label: name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
    type: 'text',
    write: 'suggest',
    repValue: null,
    suggestion: null,
    pending: [],
    why: null,
    suggestionWhy: null,
    hasHistory: false,
    ...over,
  };
}

/** The CRM's words for values: a stage's label, a user's name, the deal's currency. */
const VALUES: DealSummary['values'] = {
  defs: new Map<string, PropertyDef>([
    [
      'dealstage',
      {
        name: 'dealstage',
        label: 'Stage',
        type: 'enum',
        optionLabels: { discovery: 'Discovery call' },
      },
    ],
    ['champion', { name: 'champion', label: 'Champion', type: 'user' }],
    [
      'deal_type',
      {
        name: 'deal_type',
        label: 'Deal type',
        type: 'enum',
        optionLabels: { newbusiness: 'New business' },
      },
    ],
  ]),
  users: new Map([['u_raj', 'Raj Patel']]),
  currency: 'USD',
};

const SUMMARY: DealSummary = {
  deal: {
    id: 'd1',
    name: 'Acme — 2027 renewal',
    url: 'https://crm.example.com/deals/d1',
    stage: 'discovery',
    amount: 48000,
    owner: 'Ana Ruiz',
    closeDate: '2027-02-15',
  },
  fields: [
    field('economic_buyer', {
      label: 'Economic buyer',
      repValue: 'Priya Nair <!channel>',
      suggestion: 'Dana Whitfield (CFO)',
      why: { kind: 'rep', after: { value: 'Dana', at: T(19) } },
      suggestionWhy: {
        kind: 'scout',
        action: 'written',
        at: T(21),
        quote: 'budget sign-off sits with Dana Whitfield, the CFO',
        noteId: 'n1',
        confidence: 0.92,
        approvedBy: null,
        edited: false,
      },
      hasHistory: true,
    }),
    field('champion', { label: 'Champion' }),
    field('next_step', {
      label: 'Next step',
      write: 'auto',
      suggestion: undefined,
      repValue: 'Send the security questionnaire by Friday',
      why: { kind: 'undo', at: T(23), actor: 'slack:U01OPS', undoneValue: 'Call Tom' },
      hasHistory: true,
    }),
    field('closedate', {
      label: 'Close date',
      type: 'date',
      write: 'approve',
      suggestion: undefined,
      repValue: '2027-02-15',
      pending: ['2027-03-01'],
      why: {
        kind: 'scout',
        action: 'applied',
        at: T(21, 9),
        quote: 'we can have this signed by January 31',
        noteId: 'n2',
        confidence: 0.8,
        approvedBy: 'U01LEAD',
        edited: true,
      },
      hasHistory: true,
    }),
  ],
  notes,
  values: VALUES,
  coverage: {
    latest: {
      runId: 'run-dry-0001abcd',
      mode: 'dry_run',
      startedAt: T(23, 8),
      finishedAt: T(23, 9),
    },
    latestLive: { runId: 'run-live-0002', mode: 'live', startedAt: T(21, 8), finishedAt: null },
  },
  pending: [
    {
      id: 'p1',
      field: 'closedate',
      label: 'Close date',
      oldValue: '2027-02-15',
      newValue: '2027-03-01',
      quote: 'March 1 at the latest',
      sourceNoteId: 'n6',
      confidence: 0.75,
      dryRun: false,
      createdAt: T(23),
      expiresAt: T(26),
      slackChannel: 'D01ANA',
      slackTs: '1700000000.000100',
    },
    {
      id: 'p2',
      field: 'next_step',
      label: 'Next step',
      oldValue: null,
      newValue: 'Demo',
      quote: 'demo',
      sourceNoteId: 'n6',
      confidence: 0.6,
      dryRun: true,
      createdAt: T(23),
      expiresAt: T(26),
      slackChannel: null,
      slackTs: null,
    },
  ],
  narrative: {
    since: T(16),
    sentences: [
      {
        text: 'Dana expects to sign by January 31.',
        note_id: 'n2',
        quote: 'we can have this signed by January 31',
      },
    ],
    dropped: 1,
  },
  generatedAt: T(24, 10),
};

const LINKS = new Map([['p1', 'https://example.slack.com/archives/D01ANA/p1700000000000100']]);

let hid = 0;
function hrow(action: string, over: Partial<HistoryRow> = {}): HistoryRow {
  hid += 1;
  return {
    id: hid,
    runId: 'run-1',
    field: 'closedate',
    action,
    reason: null,
    previousValue: null,
    newValue: '2027-01-31',
    sourceNoteId: 'n2',
    quote: 'we can have this signed by January 31',
    confidence: 0.8,
    actor: 'agent',
    dryRun: false,
    proposalId: 'p0',
    createdAt: T(20, 10 + hid),
    ...over,
  };
}

const HISTORY: FieldHistory = {
  deal: { id: 'd1', name: 'Acme — 2027 renewal', url: null },
  field: { name: 'closedate', label: 'Close date', type: 'date' },
  rows: [
    hrow('proposed'),
    hrow('would_apply', { dryRun: true, reason: 'DRY RUN: LIVE_WRITES is not 1' }),
    hrow('edited', { newValue: '2027-02-15', actor: 'slack:U01LEAD' }),
    hrow('applied', { newValue: '2027-02-15', actor: 'slack:U01LEAD' }),
    hrow('undone', {
      newValue: null,
      previousValue: '2027-02-15',
      actor: 'slack:U01OPS',
      reason: 'undone with /scout undo',
    }),
    hrow('written', {
      field: 'scout_closedate',
      proposalId: null,
      quote: null,
      sourceNoteId: null,
    }),
    hrow('rejected', { actor: 'slack:U01ANA' }),
  ],
  notes,
  values: VALUES,
};

/** Every string a message carries, with where it is, for the per-kind limits below. */
function texts(blocks: KnownBlock[]): Array<{ where: string; length: number }> {
  const out: Array<{ where: string; length: number }> = [];
  const walk = (v: unknown, where: string) => {
    if (typeof v === 'string') out.push({ where, length: v.length });
    else if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, `${where}[${i}]`);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  };
  walk(blocks, 'blocks');
  return out;
}

/** Slack's documented limits for every text kind these messages use (docs.slack.dev, test/fixtures/vendor/specs). */
function assertWithinLimits(message: { text: string; blocks: KnownBlock[] }) {
  expect(checkBlocks(message.blocks, 'message')).toEqual([]);
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  expect(message.text.length).toBeLessThanOrEqual(3000);
  expect(message.text.length).toBeGreaterThan(0);
  for (const t of texts(message.blocks)) {
    if (/\.text\.text$/.test(t.where) && /header/.test(JSON.stringify(message.blocks))) {
      expect(t.length, t.where).toBeLessThanOrEqual(3000);
    }
    if (/\.options\[\d+\]\.value$/.test(t.where))
      expect(t.length, t.where).toBeLessThanOrEqual(150);
    if (/\.options\[\d+\]\.text\.text$/.test(t.where))
      expect(t.length, t.where).toBeLessThanOrEqual(75);
    if (/\.elements\[\d+\]\.value$/.test(t.where))
      expect(t.length, t.where).toBeLessThanOrEqual(2000);
    if (/\.block_id$|\.action_id$/.test(t.where))
      expect(t.length, t.where).toBeLessThanOrEqual(255);
    expect(t.length, t.where).toBeLessThanOrEqual(3000);
  }
  for (const b of message.blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
    if (b.type === 'section') {
      if (b.text) expect(b.text.text.length).toBeGreaterThanOrEqual(1);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    if (b.type === 'context')
      for (const e of b.elements) if ('text' in e) expect(e.text.length).toBeLessThanOrEqual(2000);
  }
}

describe('the /deal-summary answer (pure Block Kit)', () => {
  it('snapshot: for the asker, with Share and the field select', () => {
    const m = dealSummaryMessage(SUMMARY, LINKS, { kind: 'asker' });
    expect(m).toMatchSnapshot();
    assertWithinLimits(m);
  });

  it('snapshot: shared in a channel, without controls', () => {
    const m = dealSummaryMessage(SUMMARY, LINKS, { kind: 'shared', by: 'U0MANAGER' });
    expect(m).toMatchSnapshot();
    expect(m.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('escapes what came from the CRM, a note or a model: no mention or link can form', () => {
    const m = JSON.stringify(dealSummaryMessage(SUMMARY, LINKS, { kind: 'asker' }));
    expect(m).toContain('Priya Nair &lt;!channel&gt;');
    expect(m).not.toContain('<!channel>');
  });

  it('a deal never scanned says so', () => {
    const m = dealSummaryMessage(
      { ...SUMMARY, coverage: { latest: null, latestLive: null }, narrative: null, pending: [] },
      new Map(),
      { kind: 'asker' },
    );
    expect(JSON.stringify(m)).toContain(':mag: Scout has not scanned this deal yet.');
    expect(m.blocks.some((b) => b.block_id === 'narrative' || b.block_id === 'pending')).toBe(
      false,
    );
  });

  it('40 fields with 5,000-character values, quotes and labels stay within every Slack limit', () => {
    const long = (c: string) => `${c}<&>`.repeat(1250);
    const fields = Array.from({ length: 40 }, (_, i) =>
      field(`field_${i}_${'x'.repeat(80)}`, {
        label: long('L'),
        repValue: long('R'),
        suggestion: long('S'),
        pending: [long('P'), long('Q')],
        why: {
          kind: 'scout',
          action: 'applied',
          at: T(20),
          quote: long('"'),
          noteId: 'n1',
          confidence: 0.9,
          approvedBy: 'U01LEAD',
          edited: false,
        },
        suggestionWhy: { kind: 'rep', after: { value: long('A'), at: T(20) } },
        hasHistory: true,
      }),
    );
    const pending = Array.from({ length: 40 }, (_, i) => ({
      ...SUMMARY.pending[0],
      id: `p${i}`,
      label: long('L'),
      newValue: long('N'),
    })) as DealSummary['pending'];
    const huge: DealSummary = {
      ...SUMMARY,
      deal: { ...SUMMARY.deal, name: long('N'), id: long('I'), owner: long('O'), stage: long('S') },
      fields,
      pending,
      narrative: {
        since: T(16),
        sentences: Array.from({ length: 3 }, () => ({
          text: long('T'),
          note_id: 'n1',
          quote: long('Q'),
        })),
        dropped: 0,
      },
    };
    for (const audience of [{ kind: 'asker' as const }, { kind: 'shared' as const, by: 'U1' }]) {
      const m = dealSummaryMessage(huge, LINKS, audience);
      assertWithinLimits(m);
      // What does not fit is counted, not silently lost.
      const more = m.blocks.find((b) => b.block_id === 'fields_more');
      const shownSections = m.blocks.filter((b) => /^fields_\d+$/.test(b.block_id ?? ''));
      expect(shownSections.length).toBeGreaterThan(0);
      // Each shown field says once who approved its value.
      const shownFields = JSON.stringify(shownSections).split('approved by <@U01LEAD>').length - 1;
      if (shownFields < 40)
        expect(JSON.stringify(more)).toContain(`${40 - shownFields} more field(s) not shown here`);
      else expect(more).toBeUndefined();
    }
    // A 5,000-character deal id fits neither a button nor an option value: the controls are left out.
    const controls = dealSummaryMessage(huge, LINKS, { kind: 'asker' }).blocks;
    expect(controls.some((b) => b.type === 'actions')).toBe(false);
  });

  it('a DRY RUN proposal twin of a live one is not listed again; a different value is', () => {
    const base = SUMMARY.pending[0] as DealSummary['pending'][number];
    const pending = [
      { ...base, id: 'live', dryRun: false, newValue: '2027-01-29' },
      { ...base, id: 'dry-twin', dryRun: true, newValue: '2027-01-29' },
      { ...base, id: 'dry-other', dryRun: true, newValue: '2027-02-01' },
    ] as DealSummary['pending'];
    const m = dealSummaryMessage({ ...SUMMARY, pending }, LINKS, { kind: 'asker' });
    const text = JSON.stringify(m.blocks.find((b) => b.block_id === 'pending'));
    expect(text).toContain('Pending proposals (2)');
    expect(text.split('2027-01-29').length - 1).toBe(1);
    expect(text).toContain('DRY RUN · *Close date* → 2027-02-01');
  });

  it('40 ordinary fields: every one is shown', () => {
    const fields = Array.from({ length: 40 }, (_, i) =>
      field(`f${i}`, {
        repValue: `value ${i}`,
        why: { kind: 'rep', after: null },
        hasHistory: true,
      }),
    );
    const m = dealSummaryMessage({ ...SUMMARY, fields }, LINKS, { kind: 'asker' });
    assertWithinLimits(m);
    const text = JSON.stringify(m);
    for (let i = 0; i < 40; i++) expect(text).toContain(`*F${i}*: value ${i}`);
    expect(m.blocks.find((b) => b.block_id === 'fields_more')).toBeUndefined();
    const options = (
      m.blocks.find((b) => b.type === 'actions') as { elements: Array<{ options?: unknown[] }> }
    ).elements[1]?.options;
    expect(options).toHaveLength(40);
  });
});

describe('the answer at Slack’s limits with a normal deal id (the controls stay)', () => {
  const long = (c: string) => `${c}<&>`.repeat(1250);
  /** Field i: a 5,000-character label starting with its number; odd ones a 5,000-character name too. */
  const hugeFields = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      field(i % 2 ? `f${i}_${'n'.repeat(5000)}` : `f${i}`, {
        label: `${i}:${long('L')}`,
        repValue: long('R'),
        suggestion: long('S'),
        pending: [long('P'), long('Q'), long('X'), long('Y')],
        why: {
          kind: 'scout',
          action: 'applied',
          at: T(20),
          quote: long('"'),
          noteId: 'n1',
          confidence: 0.9,
          approvedBy: 'U01LEAD',
          edited: false,
        },
        suggestionWhy: { kind: 'rep', after: { value: long('A'), at: T(20) } },
        hasHistory: true,
      }),
    );
  const shownFieldNumbers = (blocks: KnownBlock[]) =>
    blocks
      .filter((b) => /^fields_\d+$/.test(b.block_id ?? ''))
      .flatMap((b) => [...JSON.stringify(b).matchAll(/\*(\d+):L/g)].map((m) => Number(m[1])));

  it.each([40, 120])(
    '%i fields with 5,000-character labels, names and values: Share, cut options, exact count of hidden fields',
    (n) => {
      const m = dealSummaryMessage({ ...SUMMARY, fields: hugeFields(n) }, LINKS, {
        kind: 'asker',
      });
      assertWithinLimits(m);
      const shown = shownFieldNumbers(m.blocks);
      // The first fields in order, each once, then the rest counted exactly.
      expect(shown).toEqual(shown.map((_, i) => i));
      expect(shown.length).toBeGreaterThan(0);
      const more = m.blocks.find((b) => b.block_id === 'fields_more');
      if (shown.length === n) expect(more).toBeUndefined();
      else
        expect(JSON.stringify(more)).toContain(
          `${n - shown.length} more field(s) not shown here: \`/deal-summary d1 why &lt;field&gt;\``,
        );
      if (n === 40) expect(shown).toHaveLength(40);
      else expect(shown.length).toBeLessThan(n);

      const actions = m.blocks.find((b) => b.type === 'actions') as {
        elements: Array<{
          action_id: string;
          value?: string;
          options?: Array<{ text: { text: string }; value: string }>;
        }>;
      };
      expect(actions.elements[0]).toMatchObject({
        action_id: 'deal_summary_share',
        value: '{"d":"d1"}',
      });
      const options = actions.elements[1]?.options ?? [];
      // Only fields whose name fits an option value (150) get one: the even ones here.
      expect(options.map((o) => JSON.parse(o.value))).toEqual(
        Array.from({ length: n / 2 }, (_, k) => ({ d: 'd1', f: `f${2 * k}` })),
      );
      for (const [k, o] of options.entries()) {
        expect(o.text.text.length).toBeLessThanOrEqual(75);
        expect(o.text.text.startsWith(`${2 * k}:L<&>`)).toBe(true);
      }
    },
  );

  it('40 long pending proposals: whole lines while they fit, then “…and N more” counting the rest', () => {
    const pending = Array.from({ length: 40 }, (_, i) => ({
      ...(SUMMARY.pending[0] as DealSummary['pending'][number]),
      id: `p${i}`,
      label: `${i}:${long('L')}`,
      newValue: long('N'),
      slackTs: `1700000000.${String(i).padStart(6, '0')}`,
    }));
    const links = new Map(
      pending.map((p) => [p.id, `https://example.slack.com/archives/D01ANA/p${p.slackTs}`]),
    );
    const m = dealSummaryMessage({ ...SUMMARY, pending }, links, { kind: 'asker' });
    assertWithinLimits(m);
    const text =
      (m.blocks.find((b) => b.block_id === 'pending') as { text: { text: string } } | undefined)
        ?.text.text ?? '';
    const [head, ...lines] = text.split('\n');
    expect(head).toBe('*Pending proposals (40)*');
    const more = lines.pop();
    expect(lines.length).toBeGreaterThan(0);
    expect(more).toBe(`…and ${40 - lines.length} more`);
    for (const [i, line] of lines.entries())
      expect(line).toMatch(new RegExp(`^• \\*${i}:L.*\\|open its thread>$`));
  });

  it('ten short pending proposals of twelve: all ten listed and “…and 2 more”', () => {
    const pending = Array.from({ length: 12 }, (_, i) => ({
      ...(SUMMARY.pending[1] as DealSummary['pending'][number]),
      id: `q${i}`,
    }));
    const text = JSON.stringify(
      dealSummaryMessage({ ...SUMMARY, pending }, new Map(), { kind: 'asker' }),
    );
    expect(text.match(/card not posted yet/g)).toHaveLength(10);
    expect(text).toContain('\\n…and 2 more');
  });

  it('a card is linked, posted without a usable link (chat.getPermalink failed), or not posted yet', () => {
    const base = SUMMARY.pending[0] as DealSummary['pending'][number];
    const pending = [
      { ...base, id: 'linked' },
      { ...base, id: 'posted' },
      { ...base, id: 'unposted', slackChannel: null, slackTs: null },
      { ...base, id: 'absurd' },
    ];
    const m = dealSummaryMessage(
      { ...SUMMARY, pending },
      new Map([
        ['linked', 'https://example.slack.com/archives/D01ANA/p1'],
        // No real permalink is this long; a line must stay short enough to be listed whole.
        ['absurd', `https://example.slack.com/${'x'.repeat(5000)}`],
      ]),
      { kind: 'asker' },
    );
    const lines = (
      m.blocks.find((b) => b.block_id === 'pending') as { text: { text: string } }
    ).text.text
      .split('\n')
      .slice(1);
    expect(lines.map((l) => l.replace(/^.* · expires [^·]+ · /, ''))).toEqual([
      '<https://example.slack.com/archives/D01ANA/p1|open its thread>',
      'card posted, link unavailable',
      'card not posted yet',
      'card posted, link unavailable',
    ]);
  });
});

describe('the "why" history (pure Block Kit)', () => {
  it('snapshot: proposed, dry run, edited, applied, undone, suggestion, rejected', () => {
    const m = fieldHistoryMessage(HISTORY);
    expect(m).toMatchSnapshot();
    assertWithinLimits(m);
  });

  it('says why a proposal expired: its time ran out, or an undo of its run stopped it', () => {
    const m = fieldHistoryMessage({
      ...HISTORY,
      rows: [
        hrow('expired', { reason: 'expired at 2026-11-20T12:00:00.000Z before a decision' }),
        hrow('expired', {
          reason:
            'expired: approved by U01ANA but not yet written when its run r1 was undone by undo run u1; it will not be written',
        }),
      ],
    });
    const text = JSON.stringify(m);
    expect(text).toContain('*expired* — at 2026-11-20T12:00:00.000Z before a decision');
    expect(text).toContain('*expired* — approved by U01ANA but not yet written when its run r1');
    expect(text).not.toContain('before anyone decided');
  });

  it('no rows: says a person entered whatever is there', () => {
    const m = fieldHistoryMessage({ ...HISTORY, rows: [] });
    expect(JSON.stringify(m)).toContain('Scout has no record about *Close date*');
  });

  it('300 rows with 5,000-character quotes and reasons keep the newest and count the rest', () => {
    const rows = Array.from({ length: 300 }, (_, i) =>
      hrow(i % 2 ? 'proposed' : 'skipped', {
        quote: 'q'.repeat(5000),
        reason: `<@U1> ${'r'.repeat(5000)}`,
        newValue: 'v'.repeat(5000),
      }),
    );
    const m = fieldHistoryMessage({
      ...HISTORY,
      rows,
      deal: { ...HISTORY.deal, name: 'n'.repeat(5000) },
    });
    assertWithinLimits(m);
    const intro = JSON.stringify(m.blocks.find((b) => b.block_id === 'history_intro'));
    expect(intro).toMatch(
      /300 record\(s\), oldest first · \d+ earlier record\(s\) not shown: `scout log --deal d1`/,
    );
    expect(JSON.stringify(m)).not.toContain('<@U1>');
  });
});

describe('lookup answers', () => {
  it('snapshot: the picker, one button per deal, ids only in values', () => {
    const m = dealPicker(
      'acme',
      [
        { id: 'd1', name: 'Acme — 2027 renewal' },
        { id: 'd6', name: 'ACME Corp — expansion' },
      ],
      2,
      'economic_buyer',
    );
    expect(m).toMatchSnapshot();
    assertWithinLimits(m);
  });

  it('the picker with 10 long names of 25 matches stays within limits and says how many', () => {
    const deals = Array.from({ length: 10 }, (_, i) => ({
      id: `d${i}`,
      name: `${'N'.repeat(5000)} ${i}`,
    }));
    const m = dealPicker('<!here> n'.repeat(500), deals, 25);
    assertWithinLimits(m);
    expect(JSON.stringify(m)).toContain('Showing the first 10 of 25');
    expect(JSON.stringify(m)).not.toContain('<!here>');
  });

  it('no match names the closest deals, escaped', () => {
    expect(noMatch('acmee', [{ id: 'd1', name: 'Acme <b>' }])).toBe(
      'No deal matches “acmee”. Closest names: *Acme &lt;b&gt;* (`d1`). Try a deal id or another part of its name.',
    );
    expect(noMatch('x'.repeat(5000), []).length).toBeLessThanOrEqual(3000);
  });
});

describe('read-only by type (G16)', () => {
  it('a full CRM port does not fit the summary’s CRM; readOnlyCrm copies only the reads', () => {
    const full = {
      kind: 'local',
      listPropertyDefs: async () => [],
      listUsers: async () => [],
      countDeals: async () => 0,
      pageDeals: async () => ({ deals: [], next: null }),
      notesForDeals: async () => new Map(),
      writeProperties: async () => [],
      createProperty: async () => 'created' as const,
    } satisfies CrmPort;
    // @ts-expect-error a CrmPort carries writeProperties and createProperty, which ReadOnlyCrm forbids
    const wrong: ReadOnlyCrm = full;
    expect(wrong).toBe(full);
    const narrowed = readOnlyCrm(full);
    expect(Object.keys(narrowed).sort()).toEqual([
      'countDeals',
      'dealUrl',
      'kind',
      'listPropertyDefs',
      'listUsers',
      'notesForDeals',
      'pageDeals',
    ]);
  });

  it('the members reachable from the summary’s ports are exactly these: a new one fails until reviewed', () => {
    /**
     * Every member name reachable through object-valued members (ports are objects of
     * functions). A read-only array or map counts as what it holds; a mutable one counts
     * with all its members, so its `push` or `set` shows up.
     */
    type Reachable<T, D extends unknown[] = []> = D['length'] extends 8
      ? never
      : T extends (...args: never[]) => unknown
        ? never
        : T extends readonly (infer E)[]
          ? T extends E[]
            ? keyof T
            : Reachable<E, [...D, 1]>
          : T extends ReadonlyMap<unknown, infer V>
            ? 'set' extends keyof T
              ? keyof T
              : Reachable<V, [...D, 1]>
            : T extends object
              ? {
                  [K in keyof T]-?: [NonNullable<T[K]>] extends [never]
                    ? never
                    : K | Reachable<NonNullable<T[K]>, [...D, 1]>;
                }[keyof T]
              : never;
    type Ports = DealSummaryPorts;
    expectTypeOf<keyof Ports>().toEqualTypeOf<
      'crm' | 'history' | 'policy' | 'clock' | 'dealUrl' | 'narrator'
    >();
    expectTypeOf<Reachable<Ports['crm']>>().toEqualTypeOf<
      | 'kind'
      | 'listPropertyDefs'
      | 'listUsers'
      | 'countDeals'
      | 'pageDeals'
      | 'notesForDeals'
      | 'dealUrl'
      | 'currency'
    >();
    expectTypeOf<Reachable<Ports['history']>>().toEqualTypeOf<
      'rowsFor' | 'propertiesWithHistory' | 'pending' | 'lastScans'
    >();
    expectTypeOf<Reachable<NonNullable<Ports['narrator']>>>().toEqualTypeOf<'model' | 'narrate'>();
    // The policy is data: its fields, and each field policy's.
    expectTypeOf<Reachable<Ports['policy']>>().toEqualTypeOf<
      | 'version'
      | 'proposalTtlHours'
      | 'approvers'
      | 'approverGroups'
      | 'opsAdmins'
      | 'viewers'
      | 'dealSummary'
      | 'narrative'
      | 'narrativeDays'
      | 'dryRunCards'
      | 'dealFields'
      | 'name'
      | 'write'
      | 'label'
      | 'description'
      | 'maxLength'
      | 'min'
      | 'max'
      | 'integer'
      | 'evidence'
      | 'onFilled'
      | 'notifyOwner'
      | 'thresholds'
      | 'auto'
      | 'propose'
      // Where the policy file came from (docs/guarantees.md#g25): strings, nothing callable.
      | 'source'
      | 'path'
      | 'sha256'
      | 'text'
    >();
    expectTypeOf<Reachable<Ports>>().toEqualTypeOf<
      | keyof Ports
      | Reachable<Ports['crm']>
      | Reachable<Ports['history']>
      | Reachable<NonNullable<Ports['narrator']>>
      | Reachable<Ports['policy']>
    >();
    // The checker itself sees write methods, a mutable map's and a mutable array's.
    expectTypeOf<
      Extract<
        Reachable<{ crm: CrmPort }>,
        'writeProperties' | 'restoreProperties' | 'createProperty' | 'create' | 'propertyGroup'
      >
    >().toEqualTypeOf<
      'writeProperties' | 'restoreProperties' | 'createProperty' | 'create' | 'propertyGroup'
    >();
    expectTypeOf<Extract<Reachable<{ m: Map<string, number> }>, 'set'>>().toEqualTypeOf<'set'>();
    expectTypeOf<Extract<Reachable<{ a: string[] }>, 'push'>>().toEqualTypeOf<'push'>();
    expectTypeOf<Extract<Reachable<{ a: readonly string[] }>, 'push'>>().toEqualTypeOf<never>();
  });
});

describe('values as people read them: names, labels, money, never a key or an id', () => {
  const textOf = (m: { blocks: KnownBlock[] }, id: string) =>
    JSON.stringify(m.blocks.find((b) => b.block_id === id) ?? null);
  const base = SUMMARY.pending[0] as DealSummary['pending'][number];

  it.each([
    ['an option with the CRM’s label', 'discovery', 'Discovery call'],
    ['a HubSpot stage id with its label', '1234567', 'Proposal'],
    ['an option the CRM does not label, as words', 'closed_won', 'Closed won'],
  ])('the stage: %s', (_, stage, shown) => {
    const values = {
      ...VALUES,
      defs: new Map([
        ...VALUES.defs,
        [
          'dealstage',
          {
            type: 'enum' as const,
            optionLabels: { discovery: 'Discovery call', 1234567: 'Proposal' },
          },
        ],
      ]),
    };
    const facts = textOf(
      dealSummaryMessage({ ...SUMMARY, values, deal: { ...SUMMARY.deal, stage } }, LINKS, {
        kind: 'asker',
      }),
      'facts',
    );
    expect(facts).toContain(`*Stage*\\n${shown}`);
    expect(facts).not.toContain(`*Stage*\\n${stage}`);
  });

  it('a stage the CRM does not describe at all is still shown as words', () => {
    const facts = textOf(
      dealSummaryMessage(
        {
          ...SUMMARY,
          values: { defs: new Map(), users: new Map() },
          deal: { ...SUMMARY.deal, stage: 'closed_won' },
        },
        LINKS,
        { kind: 'asker' },
      ),
      'facts',
    );
    expect(facts).toContain('*Stage*\\nClosed won');
  });

  it.each([
    ['EUR', 86000, '€86,000'],
    ['USD', '86000', '$86,000'],
    [undefined, 86000, '86,000'],
  ])('the amount in the deal’s currency (%s)', (currency, amount, shown) => {
    const facts = textOf(
      dealSummaryMessage(
        {
          ...SUMMARY,
          values: { ...VALUES, ...(currency ? { currency } : { currency: undefined }) },
          deal: { ...SUMMARY.deal, amount },
        },
        LINKS,
        { kind: 'asker' },
      ),
      'facts',
    );
    expect(facts).toContain(`*Amount*\\n${shown}`);
    expect(facts).not.toContain('86000');
  });

  it('a pending proposal for a user field names the person, an option field its label, with confidence in words', () => {
    const pending = [
      {
        ...base,
        id: 'u',
        field: 'champion',
        label: 'Champion',
        newValue: 'u_raj',
        confidence: 0.9,
      },
      { ...base, id: 'e', field: 'deal_type', label: 'Deal type', newValue: 'newbusiness' },
    ] as DealSummary['pending'];
    const text = textOf(
      dealSummaryMessage({ ...SUMMARY, pending }, LINKS, { kind: 'asker' }),
      'pending',
    );
    expect(text).toContain('*Champion* → Raj Patel · confidence high · 0.90 ▰▰▰▰▰');
    expect(text).toContain('*Deal type* → New business');
    expect(text).not.toContain('u_raj');
    expect(text).not.toContain('newbusiness');
    expect(text).not.toMatch(/confidence \d/);
  });

  it('field rows: the rep’s value, Scout’s suggestion and the value Scout last set, through the same words', () => {
    const fields = [
      field('champion', {
        label: 'Champion',
        type: 'user',
        repValue: 'u_raj',
        suggestion: 'u_ana',
        why: { kind: 'rep', after: { value: 'u_raj', at: T(19) } },
        hasHistory: true,
      }),
      field('deal_type', {
        label: 'Deal type',
        type: 'enum',
        write: 'auto',
        suggestion: undefined,
        repValue: 'newbusiness',
        why: { kind: 'undo', at: T(23), actor: 'slack:U01OPS', undoneValue: 'newbusiness' },
      }),
    ];
    const values = { ...VALUES, users: new Map([...VALUES.users, ['u_ana', 'Ana Ruiz']]) };
    const text = JSON.stringify(
      dealSummaryMessage({ ...SUMMARY, fields, values }, LINKS, { kind: 'asker' }),
    );
    expect(text).toContain('*Champion*: Raj Patel');
    expect(text).toContain('Scout last set Raj Patel');
    expect(text).toContain('Scout suggests Ana Ruiz');
    expect(text).toContain('*Deal type*: New business');
    expect(text).toContain("Scout's New business was taken back");
    expect(text).not.toMatch(/u_raj|u_ana|newbusiness/);
  });

  it('notes by their kind in words', () => {
    const text = JSON.stringify(dealSummaryMessage(SUMMARY, LINKS, { kind: 'asker' }));
    expect(text).toContain('from a call of 2026-11-18');
    expect(text).toContain('_from a meeting of 2026-11-20_');
    expect(text).not.toMatch(/email_reply|a email/);
  });

  it('the history: labels, not keys; values, actions and reasons in words; no doubled dash', () => {
    const m = fieldHistoryMessage({
      ...HISTORY,
      field: { name: 'champion', label: 'Champion', type: 'user' },
      rows: [
        hrow('proposed', { field: 'champion', newValue: 'u_raj', previousValue: null }),
        hrow('dropped', {
          field: 'champion',
          newValue: null,
          reason: 'no source: the quote is not in the note',
        }),
        hrow('superseded', {
          field: 'champion',
          newValue: 'u_raj',
          reason: 'superseded by the live proposal of run 0a1b2c3d',
        }),
        hrow('denied', { field: 'scout_champion', newValue: null, reason: 'not in the policy' }),
        hrow('written', { field: 'scout_champion', newValue: 'u_raj', sourceNoteId: 'n6' }),
      ],
    });
    const intro = textOf(m, 'history_intro');
    expect(intro).toContain("*Champion* and Scout's suggestion for it");
    expect(intro).not.toMatch(/scout_|`champion`/);
    const text = JSON.stringify(m);
    expect(text).toContain('*proposed* Raj Patel');
    expect(text).toContain('*dropped* — no source: the quote is not in the note');
    expect(text).not.toContain('— —');
    expect(text).toContain(
      '*replaced by a newer card* Raj Patel — superseded by the live proposal of run 0a1b2c3d',
    );
    expect(text).toContain('*refused* — not in the policy');
    expect(text).toContain('*suggested* Raj Patel');
    expect(text).toContain('from an email reply of 2026-11-22');
    expect(text).not.toMatch(/u_raj|scout_champion|email_reply/);
  });
});
