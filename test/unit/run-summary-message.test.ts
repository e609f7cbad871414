import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../src/domain/actions.js';
import { emptyUsage, type RunSummary } from '../../src/domain/run-summary.js';
import type { RunDigest } from '../../src/services/run-digest-view.js';
import { runSummaryMessage } from '../../src/slack/blocks/run-summary-message.js';
import { checkBlocks } from '../support/block-kit-limits.js';

const RUN = '5ebec212-c503-4c73-81d0-4aadd8f2982f';

const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  run_id: RUN,
  status: 'completed',
  mode: 'live',
  locks: { apply: true, live_writes: true, paused: false },
  scanned: 40,
  total: 40,
  cap: null,
  counts: { ...emptyCounts(), written: 20, applied: 4, proposed: 16, skipped: 3 },
  deals: { extracted: 30, no_new_notes: 10, failed: 0 },
  warnings: [],
  usage: emptyUsage(),
  estimated_cost_usd: 0,
  model: 'replay',
  started_at: '2026-11-23T00:00:00Z',
  finished_at: '2026-11-23T00:00:01Z',
  chain_head: { seq: 42, hash: 'ab'.repeat(32) },
  ...over,
});

const deals = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `Deal ${i + 1}`, fields: ['Next step'] }));

const digest = (over: Partial<RunDigest> = {}): RunDigest => ({
  deals: [
    { name: 'Northwind Traders', fields: ['Next step', 'Close date'] },
    { name: 'Globex', fields: ['Seats'] },
    ...deals(7),
  ],
  dealCount: 9,
  waiting: [
    { person: 'Ana Lopez', cards: 6 },
    { person: 'Raj Patel', cards: 5 },
    { person: 'Mia Chen', cards: 3 },
    { person: null, cards: 2 },
  ],
  ...over,
});

type Message = ReturnType<typeof runSummaryMessage>;
type Block = Message['blocks'][number] & { block_id?: string };

const header = (m: Message) => (m.blocks[0] as { text: { text: string } }).text.text;
const block = (m: Message, id: string) => m.blocks.find((b) => (b as Block).block_id === id);
const sectionText = (m: Message, id: string) =>
  (block(m, id) as { text: { text: string } } | undefined)?.text.text ?? '';
const contextText = (m: Message) =>
  (block(m, 'gates') as { elements: Array<{ text: string }> }).elements[0]?.text ?? '';
const buttons = (m: Message) =>
  (block(m, 'run_actions') as { elements: Array<{ text: { text: string }; value: string }> })
    .elements;

/** Every word a person sees: the text of every block and button, not action ids or values. */
function shownText(m: Message): string {
  const texts: string[] = [m.text];
  const walk = (v: unknown, key = ''): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k !== 'action_id' && k !== 'value' && k !== 'block_id') walk(x, k);
      }
    else if (key === 'text' && typeof v === 'string') texts.push(v);
  };
  walk(m.blocks);
  return texts.join('\n');
}

describe('the ops run summary', () => {
  const cases: Array<{
    name: string;
    summary: RunSummary;
    digest: RunDigest | null;
    header: string;
    body: string[];
    notInBody?: string[];
    buttons: string[];
  }> = [
    {
      name: 'a live run with writes',
      summary: summary(),
      digest: digest(),
      header: 'LIVE — 24 fields written on 9 deals · 16 cards to 4 people',
      body: [
        '*Changed:*',
        '• *Northwind Traders* — Next step, Close date',
        '• *Globex* — Seats',
        '*Cards waiting:* Ana Lopez 6 · Raj Patel 5 · Mia Chen 3 · someone unassigned 2',
        '*Counts:* 20 written · 16 sent for approval · 4 written after approval · 3 skipped',
        '*Scanned* 40 of 40 deals · 30 read, 10 had no new notes, 0 failed',
      ],
      notInBody: ['and ', 'capped'],
      buttons: ['Details', 'Undo this run', 'Pause'],
    },
    {
      name: 'a dry run',
      summary: summary({
        mode: 'dry_run',
        locks: { apply: false, live_writes: false, paused: false },
        counts: { ...emptyCounts(), would_write: 20, would_apply: 4, proposed: 16 },
      }),
      digest: digest(),
      header:
        'DRY RUN — nothing was written · would write 24 fields on 9 deals · 16 cards previewed',
      body: [
        '*Would change:*',
        '*Counts:* 20 would be written · 16 sent for approval · 4 would be written after approval',
      ],
      buttons: ['Details', 'Pause'],
    },
    {
      name: 'a capped run shouts the cap',
      summary: summary({
        scanned: 10,
        total: 25,
        cap: 10,
        warnings: ['PARTIAL COVERAGE: scanned 10 of 25 deals'],
      }),
      digest: digest(),
      header: 'LIVE — 24 fields written on 9 deals · 16 cards to 4 people',
      body: [
        '*Scanned* 10 of 25 deals — *capped at 10: 15 deals not looked at* · 30 read, 10 had no new notes, 0 failed',
      ],
      buttons: ['Details', 'Undo this run', 'Pause'],
    },
    {
      name: 'a live run with no cards and nothing written',
      summary: summary({ counts: { ...emptyCounts(), skipped: 2 } }),
      digest: { deals: [], dealCount: 0, waiting: [] },
      header: 'LIVE — nothing written',
      body: ['*Counts:* 2 skipped'],
      notInBody: ['Cards waiting', 'Changed'],
      // Nothing to undo: no Undo button.
      buttons: ['Details', 'Pause'],
    },
    {
      name: 'many deals end in "and N more"',
      summary: summary({ counts: { ...emptyCounts(), written: 40 } }),
      digest: { deals: deals(10), dealCount: 30, waiting: [] },
      header: 'LIVE — 40 fields written on 30 deals',
      body: ['• *Deal 10* — Next step', '… and 20 more deals'],
      buttons: ['Details', 'Undo this run', 'Pause'],
    },
    {
      name: 'a paused run offers no Pause',
      summary: summary({ locks: { apply: true, live_writes: true, paused: true } }),
      digest: digest(),
      header: 'LIVE — 24 fields written on 9 deals · 16 cards to 4 people',
      body: [],
      buttons: ['Details', 'Undo this run'],
    },
    {
      name: 'without a digest (its reads failed) the counts still show',
      summary: summary(),
      digest: null,
      header: 'LIVE — 24 fields written · 16 cards',
      body: ['*Counts:* 20 written · 16 sent for approval · 4 written after approval · 3 skipped'],
      notInBody: ['Cards waiting', 'Changed'],
      buttons: ['Details', 'Undo this run', 'Pause'],
    },
    {
      name: 'an interrupted run says so first',
      summary: summary({ status: 'interrupted' }),
      digest: digest(),
      header:
        'INTERRUPTED — LIVE run stopped before it finished · 24 fields written on 9 deals · 16 cards to 4 people',
      body: [],
      buttons: ['Details', 'Undo this run', 'Pause'],
    },
    {
      name: 'an undo run',
      summary: summary({
        counts: { ...emptyCounts(), undone: 3, conflict: 1 },
        undo: {
          target: { run_id: 'r-0' },
          changes: 4,
          already_undone: 0,
          expired_proposals: 2,
          unapplied_approvals: 0,
          nothing_to_undo: null,
        },
      }),
      digest: { deals: [{ name: 'Globex', fields: ['Seats'] }], dealCount: 1, waiting: [] },
      header: 'LIVE — undo of run r-0 · 3 values put back',
      body: [
        '*Undo of run r-0*',
        '2 open cards of the undone run expired, so they never write',
        '*Put back on:*',
        '*Counts:* 3 put back · 1 left alone (changed since)',
      ],
      notInBody: ['Scanned'],
      buttons: ['Details', 'Pause'],
    },
  ];

  it.each(cases)('$name', (c) => {
    const m = runSummaryMessage(c.summary, c.digest);
    // docs/guarantees.md#g14: the header and the fallback text start with the mode.
    expect(header(m)).toBe(c.header);
    expect(m.text.startsWith(c.header)).toBe(true);
    const body = sectionText(m, 'summary');
    for (const line of c.body) expect(body.split('\n')).toContain(line);
    for (const word of c.notInBody ?? []) expect(body).not.toContain(word);
    expect(buttons(m).map((b) => b.text.text)).toEqual(c.buttons);
    for (const b of buttons(m)) expect(JSON.parse(b.value)).toEqual({ r: RUN });
    expect(checkBlocks(m.blocks, 'message')).toEqual([]);
  });

  it('keeps gates, the short audit head and the run id in the context, not the body', () => {
    const m = runSummaryMessage(summary(), digest());
    expect(contextText(m)).toBe(
      `Gates: apply asked · live writes on · not paused · audit chain head #42 \`${'ab'.repeat(6)}\` · run \`${RUN}\``,
    );
    expect(sectionText(m, 'summary')).not.toMatch(/gate|audit|apply|ab{2}/i);
    expect(shownText(m)).not.toContain('ab'.repeat(7));
  });

  it('puts the warnings right under the header, each a :warning: line', () => {
    const m = runSummaryMessage(
      summary({ warnings: ['PARTIAL COVERAGE: scanned 10 of 25 deals', 'second <!channel>'] }),
      digest(),
    );
    expect((m.blocks[1] as Block).block_id).toBe('warnings');
    expect(sectionText(m, 'warnings')).toBe(
      ':warning: PARTIAL COVERAGE: scanned 10 of 25 deals\n:warning: second &lt;!channel&gt;',
    );
  });

  it('never shows an action key, a gate key or an id where a name belongs', () => {
    const every = emptyCounts();
    for (const k of Object.keys(every)) every[k as keyof typeof every] = 1;
    for (const mode of ['live', 'dry_run'] as const) {
      const shown = shownText(runSummaryMessage(summary({ mode, counts: every }), digest()));
      expect(shown).not.toMatch(/would_|live_writes|LIVE_WRITES|no_new_notes|_apply|_promote/);
      expect(shown).toContain('someone unassigned 2');
    }
  });

  it('escapes deal names and field labels, and keeps the header within Slack limits', () => {
    const m = runSummaryMessage(
      summary({ status: 'failed', counts: { ...emptyCounts(), written: 123456, proposed: 98765 } }),
      {
        deals: [{ name: '<!here> *Big* deal', fields: ['Next `step`'] }],
        dealCount: 123456,
        waiting: [{ person: '<@U0BOSS>', cards: 98765 }],
      },
    );
    const body = sectionText(m, 'summary');
    expect(body).toContain('&lt;!here&gt;');
    expect(body).not.toContain('<@U0BOSS>');
    expect(header(m).length).toBeLessThanOrEqual(150);
    expect(header(m).startsWith('FAILED — LIVE run stopped on an error')).toBe(true);
    expect(checkBlocks(m.blocks, 'message')).toEqual([]);
  });
});
