import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oncePer } from '../../src/concurrency/once-per.js';
import { emptyCounts } from '../../src/domain/actions.js';
import { emptyUsage } from '../../src/domain/run-summary.js';
import type { CardProposal } from '../../src/services/ports/notifier.js';
import { approvalCard } from '../../src/slack/blocks/approval-card.js';
import { editModal, submittedValue } from '../../src/slack/blocks/edit-modal.js';
import { runSummaryMessage } from '../../src/slack/blocks/run-summary-message.js';
import { escapeMrkdwn, truncate } from '../../src/slack/blocks/text.js';
import { checkBlocks, checkView } from '../support/block-kit-limits.js';

const card = (over: Partial<CardProposal> = {}): CardProposal => ({
  id: 'p-1',
  version: 1,
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
  status: 'pending',
  decidedBy: null,
  decidedAt: null,
  outcome: null,
  ...over,
});

const texts = (blocks: unknown): string => JSON.stringify(blocks);

describe('approval card', () => {
  it('says first when approving would replace a value someone entered, and only while pending', () => {
    const replacing = approvalCard(card({ oldValue: '2027-02-15', newValue: '2027-03-15' }));
    const first = JSON.stringify(replacing.blocks[0]);
    expect(first).toContain('overwrite');
    expect(first).toContain('*Replaces your value* 2027-02-15');
    const filling = approvalCard(card({ oldValue: null }));
    expect(JSON.stringify(filling.blocks)).not.toContain('Replaces your value');
    const decided = approvalCard(card({ oldValue: '2027-02-15', status: 'rejected' }));
    expect(JSON.stringify(decided.blocks)).not.toContain('Replaces your value');
  });

  it('tells a live card from a dry one: only the live one says Approve writes to the CRM', () => {
    const live = JSON.stringify(approvalCard(card({ dryRun: false })).blocks);
    const dry = JSON.stringify(approvalCard(card({ dryRun: true })).blocks);
    expect(live).toContain('Approve writes this value to the CRM');
    expect(dry).not.toContain('Approve writes this value to the CRM');
    expect(dry).toContain('DRY RUN');
  });

  it('matches its snapshot, pending and decided', () => {
    expect(approvalCard(card())).toMatchSnapshot();
    expect(
      approvalCard(
        card({
          status: 'applied',
          decidedBy: 'U01ANA',
          decidedAt: new Date('2026-11-21T09:30:00Z'),
          version: 2,
        }),
      ),
    ).toMatchSnapshot();
  });

  it('shouts DRY RUN on a dry-run card', () => {
    expect(texts(approvalCard(card({ dryRun: true })).blocks)).toContain('*DRY RUN*');
    expect(approvalCard(card({ dryRun: true })).text).toMatch(/^\[DRY RUN\]/);
  });

  it.each([
    ['a channel mention', '<!channel> approve this now'],
    ['a link that looks like a button', '<https://evil.example|Approve>'],
    ['a user mention', '<@U01BOSS> says yes'],
    ['a bare @here', '@here please approve'],
    ['a right-to-left override', 'Dana \u202eOFC\u202c Whitfield'],
    ['an ampersand entity', 'Smith &amp; Sons &lt;b&gt;'],
  ])('neutralises %s wherever user text appears', (_name, evil) => {
    const out = texts(
      approvalCard(
        card({
          dealName: evil,
          fieldLabel: evil,
          oldValue: evil,
          newValue: evil,
          quote: evil,
          noteType: evil,
        }),
      ).blocks,
    );
    expect(out).not.toMatch(/<!channel>|<!here>|<https?:|<@U01BOSS>/);
    expect(out).not.toMatch(/(?<!\\u200b)@here/);
    expect(out).not.toContain('\u202e');
  });

  it("stays within Slack's limits for 40,000-character values and quotes", () => {
    const huge = 'x&<'.repeat(14_000);
    const built = approvalCard(
      card({
        dealName: huge,
        fieldLabel: huge,
        oldValue: huge,
        newValue: huge,
        quote: `${huge}\n${huge}`,
        outcome: huge,
        status: 'stale',
      }),
    );
    expect(checkBlocks(built.blocks, 'message')).toEqual([]);
    expect(built.text.length).toBeLessThanOrEqual(3000);
  });

  it('property: for any user text, the card fits the limits and forms no Slack markup of its own', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 5000 }),
        fc.string({ maxLength: 300 }),
        fc.string({ maxLength: 300 }),
        (value, name, quote) => {
          const built = approvalCard(
            card({ dealName: name, newValue: value, oldValue: value, quote }),
          );
          expect(checkBlocks(built.blocks, 'message')).toEqual([]);
          // A pending card without a CRM link has no markup of ours, so any < would be the user's.
          expect(JSON.stringify(built.blocks)).not.toContain('<');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('escapes the fallback text too: it shows in notifications and is read as mrkdwn', () => {
    const { text } = approvalCard(
      card({ dealName: '<!here> Acme', newValue: '<!channel> <https://evil.example|reset>' }),
    );
    expect(text).not.toMatch(/<!|<https?:/);
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('names a known CRM user on a user field, and shows an unknown id as it is', () => {
    const person = card({
      fieldLabel: 'Sales engineer',
      fieldType: 'user',
      oldValue: 'u_gone',
      newValue: 'u_raj',
      userNames: { u_raj: 'Raj <Patel>', u_ben: 'Ben Okafor' },
    });
    const pending = approvalCard(person);
    expect(texts(pending.blocks)).toContain('*Proposed*\\nRaj &lt;Patel&gt;');
    expect(texts(pending.blocks)).toContain('*Current*\\nu\u200b_\u200bgone');
    expect(texts(pending.blocks)).not.toContain('u_raj');
    expect(pending.text).toBe(
      'Scout proposes Sales engineer for Acme — 2027 renewal: Raj &lt;Patel&gt;',
    );
    const edited = approvalCard({ ...person, status: 'applied', editedValue: 'u_ben' });
    // The value slot shows what was approved, with the proposal it replaced.
    expect(texts(edited.blocks)).toContain(
      '*Approved*\\nBen Okafor (edited from Raj &lt;Patel&gt;)',
    );
    expect(texts(edited.blocks)).not.toContain('*Proposed*');
    // Only user fields: a text value that happens to equal a user id stays as typed.
    expect(texts(approvalCard(card({ ...person, fieldType: 'text' })).blocks)).toContain(
      'u\u200b_\u200braj',
    );
  });

  it('button values carry only the proposal id and version', () => {
    const actions = approvalCard(card()).blocks.find((b) => b.type === 'actions') as {
      elements: Array<{ value: string }>;
    };
    for (const e of actions.elements) expect(JSON.parse(e.value)).toEqual({ p: 'p-1', v: 1 });
  });
});

describe('edit modal', () => {
  it.each([
    ['text', { fieldType: 'text' as const }, 'plain_text_input'],
    ['number', { fieldType: 'number' as const, proposedValue: 40 }, 'number_input'],
    ['date', { fieldType: 'date' as const, proposedValue: '2027-01-31' }, 'datepicker'],
    [
      'enum',
      { fieldType: 'enum' as const, options: ['commit', 'best_case'], proposedValue: 'commit' },
      'static_select',
    ],
    ['user', { fieldType: 'user' as const, proposedSlackUser: 'U01ANA' }, 'users_select'],
  ])('uses the right input for %s, prefilled', (_name, over, element) => {
    const view = editModal({
      proposal: { id: 'p-1', version: 3 },
      dealName: 'Acme',
      fieldLabel: 'Field',
      proposedValue: 'x',
      ...over,
    });
    expect(checkView(view as unknown as Record<string, unknown>)).toEqual([]);
    const input = (view.blocks[1] as unknown as { element: Record<string, unknown> }).element;
    expect(input.type).toBe(element);
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ p: 'p-1', v: 3 });
    expect(JSON.stringify(input)).toMatch(/initial_(value|date|option|user)/);
  });

  it('reads the submitted value of every input type', () => {
    const state = (v: Record<string, unknown>) => ({ value: { value: v } });
    expect(submittedValue(state({ type: 'plain_text_input', value: 'x' }))).toBe('x');
    expect(submittedValue(state({ type: 'datepicker', selected_date: '2027-01-31' }))).toBe(
      '2027-01-31',
    );
    expect(
      submittedValue(state({ type: 'static_select', selected_option: { value: 'commit' } })),
    ).toBe('commit');
    expect(submittedValue(state({ type: 'users_select', selected_user: 'U01ANA' }))).toBe('U01ANA');
    expect(submittedValue({})).toBeNull();
  });
});

describe('run summary message', () => {
  it('puts the mode in a header and the warnings right under it', () => {
    const m = runSummaryMessage(
      {
        run_id: 'r1',
        status: 'completed',
        mode: 'dry_run',
        locks: { apply: true, live_writes: false, paused: false },
        scanned: 10,
        total: 25,
        cap: 10,
        counts: { ...emptyCounts(), would_write: 3 },
        deals: { extracted: 10, no_new_notes: 0, failed: 0 },
        warnings: [
          'PARTIAL COVERAGE: scanned 10 of 25 deals',
          'this run was requested as LIVE but ran DRY because LIVE_WRITES is not 1: nothing was written',
        ],
        usage: emptyUsage(),
        estimated_cost_usd: 0,
        model: 'replay',
        started_at: '2026-11-23T00:00:00Z',
        finished_at: '2026-11-23T00:00:01Z',
      },
      null,
    );
    expect(m.blocks[0]).toEqual({
      type: 'header',
      block_id: 'mode',
      text: { type: 'plain_text', text: 'DRY RUN — nothing was written · would write 3 fields' },
    });
    expect(JSON.stringify(m.blocks[1])).toContain('PARTIAL COVERAGE');
    expect(checkBlocks(m.blocks, 'message')).toEqual([]);
  });
});

describe('text helpers', () => {
  it('escape &, < and >, wrap the formatting characters in zero-width spaces, swap backticks', () => {
    expect(escapeMrkdwn('a & b < c > d * _ ~ `x`')).toBe(
      'a &amp; b &lt; c &gt; d \u200b*\u200b \u200b_\u200b \u200b~\u200b \u02cbx\u02cb',
    );
    expect(escapeMrkdwn('> fake quote')).toBe('\u200b&gt; fake quote');
  });
  it('truncate never cuts an entity or a surrogate pair', () => {
    expect(truncate('abc&amp;def', 6)).toBe('abc…');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
  });
});

describe('oncePer: one reply per key per window', () => {
  it('lets a key through once per window, each key apart, and again after the window', () => {
    let t = 0;
    const first = oncePer(60_000, () => t);
    expect([first('ana/p1'), first('ana/p1'), first('ben/p1'), first('ana/p2')]).toEqual([
      true,
      false,
      true,
      true,
    ]);
    t = 59_999;
    expect(first('ana/p1')).toBe(false);
    t = 60_000;
    expect([first('ana/p1'), first('ana/p1'), first('ben/p1')]).toEqual([true, false, true]);
  });
});
