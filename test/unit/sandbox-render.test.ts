import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../src/domain/actions.js';
import { emptyUsage, type RunSummary } from '../../src/domain/run-summary.js';
import { renderPane } from '../../src/sandbox/page.js';
import { mrkdwn, renderBlocks, renderModal } from '../../src/sandbox/render-blocks.js';
import { compareTs, OPS_CHANNEL, Workspace } from '../../src/sandbox/workspace.js';
import type { CardProposal } from '../../src/services/ports/notifier.js';
import { approvalCard } from '../../src/slack/blocks/approval-card.js';
import { dealSummaryMessage } from '../../src/slack/blocks/deal-summary.js';
import { fieldHistoryMessage } from '../../src/slack/blocks/deal-summary-history.js';
import { dealPicker } from '../../src/slack/blocks/deal-summary-lookup.js';
import { editModal } from '../../src/slack/blocks/edit-modal.js';
import { runSummaryMessage } from '../../src/slack/blocks/run-summary-message.js';
import { escapeMrkdwn } from '../../src/slack/blocks/text.js';
import { undoRunConfirm } from '../../src/slack/blocks/undo-run-confirm.js';
import type { DealSummary, FieldHistory, FieldRow } from '../../src/summary/summarize-deal.js';

const ctx = {
  userName: (id: string) => ({ U0ANA: 'Ana Ruiz' })[id] ?? id,
  users: [
    { id: 'U0ANA', name: 'Ana Ruiz' },
    { id: 'U0RAJ', name: 'Raj Patel' },
  ],
  message: { channel: 'D0ANA', ts: '1.000001' },
};

describe('sandbox mrkdwn', () => {
  it.each([
    ['*bold* and _italic_ and ~gone~', '<b>bold</b> and <i>italic</i> and <s>gone</s>'],
    ['`a*b*c`', '<code>a*b*c</code>'],
    ['snake_case_name stays', 'snake_case_name stays'],
    ['<@U0ANA> decided', '<span class="mention">@Ana Ruiz</span> decided'],
    ['<!here>', '<span class="mention">@here</span>'],
    [
      '<https://crm.example/d/1|Acme &amp; Co>',
      '<a href="https://crm.example/d/1" target="_blank" rel="noopener noreferrer">Acme &amp; Co</a>',
    ],
    ['<javascript:alert(1)|click>', 'click'],
    ['&lt;script&gt;alert(1)&lt;/script&gt;', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['> quoted\n> twice\nafter', '<blockquote>quoted<br>twice</blockquote>after'],
    ['```pre *not bold*```', '<pre>pre *not bold*</pre>'],
    [':white_check_mark: done :unknown_emoji:', '✅ done :unknown_emoji:'],
  ])('%s', (input, html) => {
    expect(mrkdwn(input, ctx)).toBe(html);
  });

  it('draws every emoji the bot uses, so the demo shows no :name: codes', () => {
    const used = new Set<string>();
    for (const dir of ['src/slack', 'src/summary', 'src/jobs', 'src/domain'])
      for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }))
        if (file.endsWith('.ts'))
          for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/:([a-z_]+):/g))
            used.add(m[1] as string);
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(mrkdwn(`:${name}:`, ctx), name).not.toContain(':');
  });

  it('never lets note text become markup, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string(), (note) => {
        const html = mrkdwn(escapeMrkdwn(note), ctx);
        const tags = html.match(/<\/?([a-z]+)/g) ?? [];
        // Only the renderer's own tags: the note can at most be bold, italic, struck or code.
        for (const t of tags)
          expect([
            '<b',
            '</b',
            '<i',
            '</i',
            '<s',
            '</s',
            '<code',
            '</code',
            '<br',
            '<blockquote',
            '</blockquote',
            '<pre',
            '</pre',
          ]).toContain(t);
        expect(html).not.toMatch(/<(script|img|a|iframe)\b/);
      }),
    );
  });
});

const proposal: CardProposal = {
  id: 'p1',
  version: 3,
  runId: '0f4c0000-0000-0000-0000-000000000000',
  dryRun: false,
  dealName: 'Acme <b>Corp</b>',
  dealUrl: null,
  fieldLabel: 'Close date',
  fieldType: 'date',
  oldValue: null,
  newValue: '2027-01-31',
  editedValue: null,
  quote: 'we sign by January 31 <script>',
  noteType: 'meeting',
  noteDate: new Date('2026-11-20T00:00:00Z'),
  confidence: 0.8,
  status: 'pending',
  decidedBy: null,
  decidedAt: null,
  outcome: null,
};

describe('sandbox Block Kit rendering of what Scout posts', () => {
  it('renders an approval card with working buttons and escaped note text', () => {
    const html = renderBlocks(approvalCard(proposal).blocks, ctx);
    expect(html).toContain('<b>Acme &lt;b&gt;Corp&lt;/b&gt;</b> · <b>Close date</b>');
    expect(html).toContain('<blockquote>we sign by January 31 &lt;script&gt;</blockquote>');
    expect(html).not.toContain('<script>');
    for (const id of ['scout_approve', 'scout_edit', 'scout_reject'])
      expect(html).toContain(`data-action-id="${id}"`);
    expect(html).toContain('data-value="{&quot;p&quot;:&quot;p1&quot;,&quot;v&quot;:3}"');
  });

  it.each([
    [
      'date',
      '<input type="date" data-block="value" data-action="value" name="value.value" value="2027-01-31">',
    ],
    [
      'number',
      '<input type="number" data-block="value" data-action="value" name="value.value" step="any" value="2027-01-31">',
    ],
    [
      'text',
      '<textarea data-block="value" data-action="value" name="value.value" maxlength="1000" rows="4">2027-01-31</textarea>',
    ],
  ] as const)('renders the edit modal input for a %s field', (fieldType, control) => {
    const view = editModal({
      proposal: { id: 'p1', version: 3 },
      dealName: 'Acme',
      fieldLabel: 'Close date',
      fieldType,
      proposedValue: '2027-01-31',
    });
    expect(renderModal(view as never, 'V1', {}, ctx)).toContain(control);
  });

  it('the edit modal quotes the evidence above the input, and a number field states its rules', () => {
    const view = editModal({
      proposal: { id: 'p1', version: 3 },
      dealName: 'Northwind',
      fieldLabel: 'Seats',
      fieldType: 'number',
      min: 0,
      integer: true,
      quote: 'They want 120 seats in the first year.',
      proposedValue: 120,
    });
    const html = renderModal(view as never, 'V1', {}, ctx);
    expect(html).toMatch(
      /<blockquote>They want 120 seats in the first year.<\/blockquote>.*<input type="number"[^>]* step="1" value="120">/,
    );
    expect(view.blocks.at(-1)).toMatchObject({
      element: { min_value: '0', is_decimal_allowed: false },
    });
  });

  it('a refused form keeps what the person typed, not the proposed value', () => {
    const view = editModal({
      proposal: { id: 'p1', version: 3 },
      dealName: 'Acme',
      fieldLabel: 'Close date',
      fieldType: 'date',
      proposedValue: '2027-01-31',
    });
    const html = renderModal(view as never, 'V1', { value: 'too far from today' }, ctx, {
      value: { value: '2099-01-01' },
    });
    expect(html).toContain('value="2099-01-01"');
    expect(html).not.toContain('value="2027-01-31"');
    expect(html).toContain('role="alert">too far from today<');
  });

  it("a button's confirm object becomes a dialog the page shows before sending the action", () => {
    const html = renderBlocks(
      approvalCard({ ...proposal, status: 'applied', undoable: true }).blocks,
      ctx,
    );
    expect(html).toMatch(/data-action-id="scout_undo"[^>]* data-confirm="1">Undo<\/button>/);
    expect(html).toMatch(
      /<template class="confirm-dialog">.*Undo this change\?.*data-confirm-answer="deny">Keep<.*data-confirm-answer="confirm">Undo</,
    );
  });

  it('renders select and user inputs with their initial choice, and the bot errors', () => {
    const select = editModal({
      proposal: { id: 'p1', version: 3 },
      dealName: 'Acme',
      fieldLabel: 'Forecast',
      fieldType: 'enum',
      options: ['pipeline', 'commit'],
      proposedValue: 'commit',
    });
    expect(renderModal(select as never, 'V1', { value: 'Enter a value' }, ctx)).toMatch(
      /<option value="commit" selected>commit<\/option>.*role="alert">Enter a value</,
    );
    const user = editModal({
      proposal: { id: 'p1', version: 3 },
      dealName: 'Acme',
      fieldLabel: 'Sales engineer',
      fieldType: 'user',
      proposedValue: 'u_raj',
      proposedSlackUser: 'U0RAJ',
    });
    expect(renderModal(user as never, 'V1', {}, ctx)).toContain(
      '<option value="U0RAJ" selected>Raj Patel</option>',
    );
  });

  it('renders header, fields, context, divider, rich text quotes and lists', () => {
    const html = renderBlocks(
      [
        { type: 'header', text: { type: 'plain_text', text: 'LIVE <now>' } },
        { type: 'section', fields: [{ type: 'mrkdwn', text: '*Stage*\nproposal' }] },
        { type: 'divider' },
        { type: 'context', elements: [{ type: 'mrkdwn', text: ':mag: scanned' }] },
        {
          type: 'rich_text',
          elements: [
            { type: 'rich_text_quote', elements: [{ type: 'text', text: 'said <so>' }] },
            {
              type: 'rich_text_list',
              style: 'bullet',
              elements: [
                {
                  type: 'rich_text_section',
                  elements: [{ type: 'text', text: 'one', style: { bold: true } }],
                },
              ],
            },
          ],
        },
      ],
      ctx,
    );
    expect(html).toContain('<div class="blk header">LIVE &lt;now&gt;</div>');
    expect(html).toContain('<div class="field"><b>Stage</b><br>proposal</div>');
    expect(html).toContain('<hr class="blk divider">');
    expect(html).toContain('🔎 scanned');
    expect(html).toContain('<blockquote>said &lt;so&gt;</blockquote>');
    expect(html).toContain('<ul><li><b>one</b></li></ul>');
  });
});

const UNSUPPORTED = /class="[^"]*unsupported/;

describe('every message and modal Scout builds renders in the sandbox, none as unsupported', () => {
  const T = (day: number, hour = 12) => new Date(Date.UTC(2026, 10, day, hour));
  const notes = new Map([
    ['n1', { id: 'n1', type: 'meeting' as const, createdAt: T(18) }],
    ['n2', { id: 'n2', type: 'email_reply' as const, createdAt: T(20) }],
  ]);
  const fieldRow = (over: Partial<FieldRow>): FieldRow => ({
    name: 'economic_buyer',
    label: 'Economic buyer',
    type: 'text',
    write: 'suggest',
    repValue: null,
    suggestion: null,
    pending: [],
    why: null,
    suggestionWhy: null,
    hasHistory: false,
    ...over,
  });
  const summary: DealSummary = {
    deal: {
      id: 'd01',
      name: 'Northwind Traders',
      url: 'https://crm.example/deals/d01',
      stage: 'proposal',
      amount: 86000,
      owner: 'Ana Ruiz',
      closeDate: '2027-01-29',
    },
    fields: [
      fieldRow({
        repValue: 'Priya Shah',
        suggestion: 'Martin Keller',
        why: { kind: 'rep', after: { value: 'Priya', at: T(19) } },
        suggestionWhy: {
          kind: 'scout',
          action: 'written',
          at: T(21),
          quote: 'Our CFO, Martin Keller, approved the budget',
          noteId: 'n2',
          confidence: 0.93,
          approvedBy: null,
          edited: false,
        },
        hasHistory: true,
      }),
      fieldRow({
        name: 'closedate',
        label: 'Close date',
        type: 'date',
        write: 'approve',
        suggestion: undefined,
        repValue: '2027-01-29',
        pending: ['2027-02-12'],
        why: {
          kind: 'scout',
          action: 'applied',
          at: T(21, 9),
          quote: 'we will sign by 2027-01-29',
          noteId: 'n1',
          confidence: 0.86,
          approvedBy: 'U0ANA',
          edited: true,
        },
        hasHistory: true,
      }),
      fieldRow({
        name: 'next_step',
        label: 'Next step',
        write: 'auto',
        suggestion: undefined,
        repValue: 'Send pricing',
        why: { kind: 'undo', at: T(23), actor: 'slack:U0LEAD', undoneValue: 'Call Tom' },
        hasHistory: true,
      }),
    ],
    notes,
    values: { defs: new Map(), users: new Map() },
    coverage: {
      latest: { runId: 'run-dry-1', mode: 'dry_run', startedAt: T(23, 8), finishedAt: T(23, 9) },
      latestLive: { runId: 'run-live-2', mode: 'live', startedAt: T(21, 8), finishedAt: null },
    },
    pending: [
      {
        id: 'p1',
        field: 'closedate',
        label: 'Close date',
        oldValue: '2027-01-29',
        newValue: '2027-02-12',
        quote: 'by 2027-02-12',
        sourceNoteId: 'n1',
        confidence: 0.8,
        dryRun: false,
        createdAt: T(23),
        expiresAt: T(26),
        slackChannel: 'D0ANA',
        slackTs: '1.000001',
      },
    ],
    narrative: {
      since: T(16),
      sentences: [{ text: 'They sign in January.', note_id: 'n1', quote: 'we will sign by' }],
      dropped: 1,
    },
    generatedAt: T(24, 10),
  };
  const history: FieldHistory = {
    deal: { id: 'd01', name: 'Northwind Traders', url: null },
    field: { name: 'closedate', label: 'Close date', type: 'date' },
    rows: ['proposed', 'would_apply', 'edited', 'applied', 'undone', 'dropped', 'denied'].map(
      (action, i) => ({
        id: i + 1,
        runId: 'run-1',
        field: 'closedate',
        action,
        reason: action === 'dropped' ? 'no source' : null,
        previousValue: null,
        newValue: '2027-01-29',
        sourceNoteId: 'n1',
        quote: 'we will sign by 2027-01-29',
        confidence: 0.86,
        actor: i % 2 ? 'slack:U0ANA' : 'agent',
        dryRun: action === 'would_apply',
        proposalId: 'p1',
        createdAt: T(20, 10 + i),
      }),
    ),
    notes,
    values: { defs: new Map(), users: new Map() },
  };
  const runSummary = (over: Partial<RunSummary>): RunSummary => ({
    run_id: '5ebec212-c503-4c73-81d0-4aadd8f2982f',
    status: 'completed',
    mode: 'live',
    locks: { apply: true, live_writes: true, paused: false },
    scanned: 10,
    total: 25,
    cap: 10,
    counts: { ...emptyCounts(), written: 3, proposed: 2, denied: 1 },
    deals: { extracted: 10, no_new_notes: 0, failed: 0 },
    warnings: ['PARTIAL COVERAGE: scanned 10 of 25 deals'],
    usage: emptyUsage(),
    estimated_cost_usd: 0,
    model: 'replay',
    started_at: '2026-11-23T00:00:00Z',
    finished_at: '2026-11-23T00:00:01Z',
    ...over,
  });
  const runDigest = {
    deals: [{ name: 'Northwind Traders', fields: ['Next step', 'Close date'] }],
    dealCount: 3,
    waiting: [{ person: 'Ana Lopez', cards: 2 }],
  };
  const cardFor = (over: Partial<CardProposal>) => approvalCard({ ...proposal, ...over }).blocks;
  const decided = { decidedBy: 'U0ANA', decidedAt: T(21) };

  const messages: Array<[string, readonly unknown[]]> = [
    ['a live run summary', runSummaryMessage(runSummary({}), runDigest).blocks],
    ['a dry run summary', runSummaryMessage(runSummary({ mode: 'dry_run' }), runDigest).blocks],
    ['a pending card', cardFor({})],
    ['a dry-run card', cardFor({ dryRun: true })],
    ['an applied card with Undo', cardFor({ ...decided, status: 'applied', undoable: true })],
    [
      'an undone card',
      cardFor({
        ...decided,
        status: 'applied',
        undoNote: { by: 'U0LEAD', at: T(22), text: 'undone: the value from before is back' },
      }),
    ],
    ...(['rejected', 'stale', 'expired', 'failed', 'would_apply', 'edited'] as const).map(
      (status): [string, readonly unknown[]] => [
        `a ${status} card`,
        cardFor({ ...decided, status, editedValue: '2027-02-12' }),
      ],
    ),
    [
      'the deal summary for the asker',
      dealSummaryMessage(summary, new Map(), { kind: 'asker' }).blocks,
    ],
    [
      'the deal summary shared',
      dealSummaryMessage(summary, new Map([['p1', 'https://slack.example/p1']]), {
        kind: 'shared',
        by: 'U0LEAD',
      }).blocks,
    ],
    ['a field history', fieldHistoryMessage(history).blocks],
    ['an empty field history', fieldHistoryMessage({ ...history, rows: [] }).blocks],
    [
      'the deal picker',
      dealPicker('north', [{ id: 'd01', name: 'Northwind Traders' }], 3, 'closedate').blocks,
    ],
    [
      "/scout undo's confirmation",
      undoRunConfirm({
        runId: 'run-1',
        changes: [{ deal: 'Northwind Traders', field: 'Next step', wrote: 'Call', restore: null }],
        alreadyUndone: 1,
        openProposals: 2,
        dryBecause: null,
      }).blocks,
    ],
  ];

  it.each(messages)('%s', (_name, blocks) => {
    const html = renderBlocks(blocks, ctx);
    expect(html.length).toBeGreaterThan(0);
    expect(html).not.toMatch(UNSUPPORTED);
  });

  it.each(['text', 'number', 'date', 'enum', 'user'] as const)(
    'the edit modal for a %s field',
    (fieldType) => {
      const view = editModal({
        proposal: { id: 'p1', version: 3 },
        dealName: 'Northwind Traders',
        fieldLabel: 'Field',
        fieldType,
        options: ['pipeline', 'commit'],
        proposedValue: fieldType === 'number' ? 120 : 'commit',
        proposedSlackUser: 'U0RAJ',
      });
      const html = renderModal(view as never, 'V1', {}, ctx);
      expect(html).toContain('data-block="value"');
      expect(html).not.toMatch(UNSUPPORTED);
    },
  );

  it('would flag a block or element it does not know', () => {
    const html = renderBlocks(
      [
        { type: 'video', title: { type: 'plain_text', text: 'x' } },
        { type: 'actions', elements: [{ type: 'overflow', options: [] }] },
      ],
      ctx,
    );
    expect(html.match(/class="[^"]*unsupported/g)).toHaveLength(2);
  });
});

describe('the sandbox pane', () => {
  it('draws posts and ephemeral replies in the order they happened, stamped with the real clock', () => {
    const workspace = new Workspace([
      { id: 'U0ANA', name: 'Ana Ruiz', email: 'ana@example.com', role: 'rep' },
    ]);
    const first = workspace.post({
      channel: OPS_CHANNEL,
      user: 'U0ANA',
      text: 'first post',
      blocks: [],
    });
    workspace.postEphemeral({
      channel: OPS_CHANNEL,
      user: 'U0ANA',
      text: 'an ephemeral reply',
      blocks: [],
      source: 'response',
    });
    workspace.post({ channel: OPS_CHANNEL, user: 'U0ANA', text: 'a later post', blocks: [] });
    const { pane } = renderPane(workspace, OPS_CHANNEL, 'U0ANA', []);
    const order = ['first post', 'an ephemeral reply', 'a later post'].map((t) => pane.indexOf(t));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Stamped now, not at the moment the sandbox started.
    expect(Math.abs(Number(first.ts.split('.')[0]) - Date.now() / 1000)).toBeLessThan(60);
    expect(compareTs(first.ts, workspace.nextTs())).toBeLessThan(0);
  });
});

describe('a link of the host app in the demo controls', () => {
  it('posts its fields as a form to a new tab, in the ops channel only, escaped', () => {
    const workspace = new Workspace([
      { id: 'U0ANA', name: 'Ana Ruiz', email: 'ana@example.com', role: 'rep' },
    ]);
    const link = {
      label: 'Open the dashboard ↗',
      action: 'http://127.0.0.1:4000/dashboard/login',
      fields: { token: 'a"b<c' },
    };
    const { pane } = renderPane(workspace, OPS_CHANNEL, 'U0ANA', [], [link]);
    expect(pane).toContain(
      '<form class="control-link" method="post" action="http://127.0.0.1:4000/dashboard/login" target="_blank" data-native="1"><input type="hidden" name="token" value="a&quot;b&lt;c"><button type="submit" class="btn">Open the dashboard ↗</button></form>',
    );
    expect(pane).toContain('Demo controls (not part of Slack)');
    const dm = workspace.dmWith('U0ANA');
    expect(renderPane(workspace, dm.id, 'U0ANA', [], [link]).pane).not.toContain('control-link');
  });
});
