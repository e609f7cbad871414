import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../src/domain/actions.js';
import { emptyUsage, formatRunSummary, type RunSummary } from '../../src/domain/run-summary.js';
import type { CardProposal } from '../../src/services/ports/notifier.js';
import { approvalCard } from '../../src/slack/blocks/approval-card.js';
import { runSummaryMessage } from '../../src/slack/blocks/run-summary-message.js';
import { undoRunConfirm } from '../../src/slack/blocks/undo-run-confirm.js';
import { undoNote, undoSettled } from '../../src/slack/listeners/undo-button.js';
import { checkBlocks } from '../support/block-kit-limits.js';

const applied = (over: Partial<CardProposal> = {}): CardProposal => ({
  id: 'p-1',
  version: 3,
  runId: '0f4c2a9e-0000-4000-8000-000000000000',
  dryRun: false,
  dealName: 'Acme — 2027 renewal',
  dealUrl: null,
  fieldLabel: 'Close date',
  fieldType: 'date',
  oldValue: null,
  newValue: '2027-01-31',
  editedValue: null,
  quote: 'If legal signs off we can have this signed by January 31.',
  noteType: 'meeting',
  noteDate: new Date('2026-11-20T15:00:00Z'),
  confidence: 0.8,
  status: 'applied',
  decidedBy: 'U01ANA',
  decidedAt: new Date('2026-11-21T09:30:00Z'),
  outcome: null,
  undoable: true,
  ...over,
});

const buttons = (card: CardProposal) =>
  approvalCard(card)
    .blocks.filter((b) => b.type === 'actions')
    .flatMap((b) => (b as { elements: Array<{ action_id: string; value: string }> }).elements);

describe('the Undo button on a card', () => {
  it('appears on an applied live card, carrying only the proposal id and version', () => {
    const [undo, ...rest] = buttons(applied());
    expect(rest).toEqual([]);
    expect(undo?.action_id).toBe('scout_undo');
    expect(JSON.parse(undo?.value ?? '{}')).toEqual({ p: 'p-1', v: 3 });
    expect(checkBlocks(approvalCard(applied()).blocks, 'message')).toEqual([]);
  });

  it.each([
    ['a dry-run card', { dryRun: true }],
    ['a card not applied', { status: 'stale' as const }],
    ['a card whose window closed', { undoable: false }],
    [
      'a card whose undo settled it',
      { undoNote: { by: 'U01OPS', at: new Date(), text: 'undone' }, undoable: false },
    ],
  ])('is absent on %s', (_name, over) => {
    expect(buttons(applied(over))).toEqual([]);
  });

  it('shows who undid it and escapes the result text', () => {
    const text = JSON.stringify(
      approvalCard(
        applied({
          undoNote: { by: 'U01OPS', at: new Date('2026-11-22T10:00:00Z'), text: '<!channel> done' },
        }),
      ).blocks,
    );
    expect(text).toContain('Undo by <@U01OPS> at 2026-11-22 10:00 UTC');
    expect(text).not.toContain('<!channel>');
  });
});

describe('a card whose proposal expired', () => {
  const line = (over: Partial<CardProposal>) =>
    JSON.stringify(approvalCard(applied({ status: 'expired', undoable: false, ...over })).blocks);

  it('says an approval stopped by an undo of its run was approved and not written, and why', () => {
    const text = line({ outcome: 'not written: its run r-1 was undone by undo run u-1' });
    expect(text).toContain(
      'Approved by <@U01ANA> at 2026-11-21 09:30 UTC — not written: its run r-1 was undone by undo run u-1',
    );
    expect(text).not.toContain('before anyone decided');
  });

  it('says a proposal nobody decided expired before anyone decided', () => {
    expect(line({ decidedBy: null, decidedAt: null })).toContain(
      'Expired before anyone decided; nothing was written',
    );
  });
});

describe('a card after an undo from it', () => {
  const note = {
    by: 'U01ANA',
    at: new Date('2026-11-22T10:00:00Z'),
    text: 'DRY RUN, nothing was restored',
  };
  const ids = (card: CardProposal) =>
    approvalCard({ ...card, undoNote: note }).blocks.map(
      (b) => (b as { block_id?: string }).block_id,
    );

  it('says what happened and offers Undo again while the change can still be undone', () => {
    expect(ids(applied())).toEqual(expect.arrayContaining(['undo_outcome', 'undo']));
    expect(checkBlocks(approvalCard({ ...applied(), undoNote: note }).blocks, 'message')).toEqual(
      [],
    );
    expect(ids(applied({ undoable: false }))).toContain('undo_outcome');
    expect(ids(applied({ undoable: false }))).not.toContain('undo');
  });

  const summary = (counts: Partial<Record<string, number>>, alreadyUndone = 0) =>
    ({
      run_id: 'r-2',
      counts: { ...emptyCounts(), ...counts },
      warnings: ['this run was requested as LIVE but ran DRY because Scout is paused'],
      undo: { already_undone: alreadyUndone },
    }) as unknown as Parameters<typeof undoSettled>[0];

  it.each([
    ['restored', true, summary({ undone: 1 })],
    ['left alone (conflict)', true, summary({ conflict: 1 })],
    ['already undone', true, summary({}, 1)],
    ['dry (a lock closed)', false, summary({ would_undo: 1 })],
    ['failed', false, summary({ failed: 1 })],
  ])('%s settles the change: %s', (_name, settled, s) => {
    expect(undoSettled(s)).toBe(settled);
  });

  it('a dry undo says DRY RUN and why; a failed one says what failed', () => {
    expect(undoNote(summary({ would_undo: 1 }), [])).toMatch(
      /^DRY RUN, nothing was restored: .*Scout is paused/,
    );
    expect(
      undoNote(summary({ failed: 1 }), [
        { action: 'failed', reason: 'restore failed: HubSpot answered 503' },
      ]),
    ).toBe(
      'the undo failed, nothing was restored: restore failed: HubSpot answered 503 (run r-2). Press Undo to try again',
    );
  });
});

describe('summaries carry the audit chain head', () => {
  const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
    run_id: 'r-1',
    status: 'completed',
    mode: 'live',
    locks: { apply: true, live_writes: true, paused: false },
    scanned: 1,
    total: 1,
    cap: null,
    counts: emptyCounts(),
    deals: { extracted: 1, no_new_notes: 0, failed: 0 },
    warnings: [],
    usage: emptyUsage(),
    estimated_cost_usd: 0,
    model: 'replay',
    started_at: '2026-11-22T10:00:00.000Z',
    finished_at: '2026-11-22T10:00:01.000Z',
    chain_head: { seq: 42, hash: 'c'.repeat(64) },
    ...over,
  });

  it('in the text and the Slack message', () => {
    expect(formatRunSummary(summary()).split('\n').at(-1)).toBe(
      `audit chain head: #42 ${'c'.repeat(64)}`,
    );
    // In Slack the head is short, in the context line: enough to compare, not a wall of hex.
    const context = runSummaryMessage(summary(), null).blocks.find((b) => b.type === 'context');
    expect(JSON.stringify(context)).toContain(`audit chain head #42 \`${'c'.repeat(12)}\``);
    expect(JSON.stringify(runSummaryMessage(summary(), null).blocks)).not.toContain('c'.repeat(13));
  });

  it('an undo summary says what it undid, in the same loud shape', () => {
    const counts = { ...emptyCounts(), would_undo: 3, conflict: 1 };
    const text = formatRunSummary(
      summary({
        mode: 'dry_run',
        counts,
        undo: {
          target: { run_id: 'r-0' },
          changes: 4,
          already_undone: 0,
          expired_proposals: 2,
          unapplied_approvals: 1,
          nothing_to_undo: null,
        },
      }),
    );
    expect(text.split('\n')).toEqual([
      'DRY RUN — nothing was written',
      'run r-1',
      'undo of run r-0',
      'locks: --apply open · LIVE_WRITES=1 open · pause off',
      '4 live changes, 0 already undone; restored 0, would restore 3, conflicts 1 (left alone), failed 0',
      'actions: would_undo 3 · conflict 1',
      '2 pending proposals of the undone run would be expired',
      '1 approved proposal of the undone run not yet written would be expired',
      '0 writes, 3 would-be restores',
      `audit chain head: #42 ${'c'.repeat(64)}`,
    ]);
  });
});

describe("/scout undo's confirmation", () => {
  it('lists what it would put back, escaped and within Slack limits, behind a confirm dialog', () => {
    const change = (i: number) => ({
      deal: `<!channel> *Deal* ${i} ${'x'.repeat(400)}`,
      field: 'Next step',
      wrote: `Call <@U0BOSS> ${'y'.repeat(400)}`,
      restore: i % 2 === 0 ? null : '2027-01-31',
    });
    const { blocks } = undoRunConfirm({
      runId: '0f4c2a9e-0000-4000-8000-000000000000',
      changes: Array.from({ length: 40 }, (_, i) => change(i)),
      alreadyUndone: 0,
      openProposals: 3,
      dryBecause: 'LIVE_WRITES is not 1',
    });
    expect(checkBlocks(blocks, 'message')).toEqual([]);
    const text = JSON.stringify(blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U0BOSS>');
    expect(text).toMatch(/… and \d+ more/);
    expect(text).toContain('DRY RUN');
    expect(text).toContain('3 of the run');
    const button = (blocks.at(-1) as unknown as { elements: Array<Record<string, unknown>> })
      .elements[0];
    expect(button).toMatchObject({ action_id: 'scout_undo_run', confirm: { style: 'danger' } });
    expect(JSON.parse(String(button?.value))).toEqual({
      r: '0f4c2a9e-0000-4000-8000-000000000000',
    });
  });
});
