import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CardProposal } from '../../src/services/ports/notifier.js';
import { approvalCard } from '../../src/slack/blocks/approval-card.js';
import { dealSummaryMessage } from '../../src/slack/blocks/deal-summary.js';
import { fieldHistoryMessage } from '../../src/slack/blocks/deal-summary-history.js';
import type { DealSummary, FieldHistory } from '../../src/summary/summarize-deal.js';

/**
 * docs/guarantees.md#g22: text from notes, the model and the CRM cannot change how a card or a summary
 * reads. Each message is rendered twice, once with a harmless word and once with the
 * generated string in every untrusted slot; what Slack would act on must be the same.
 */

const ZWSP = '\u200b';
const T = new Date('2026-11-20T12:00:00Z');

function card(s: string): CardProposal {
  return {
    id: 'p-1',
    version: 1,
    runId: '0f4c2a9e-0000-4000-8000-000000000000',
    dryRun: false,
    dealName: s,
    dealUrl: null,
    fieldLabel: s,
    fieldType: 'text',
    oldValue: s,
    newValue: s,
    editedValue: null,
    quote: s,
    noteType: 'meeting',
    noteDate: T,
    confidence: 0.8,
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    outcome: null,
  };
}

function summary(s: string): DealSummary {
  return {
    deal: { id: s, name: s, url: null, stage: s, amount: s, owner: s, closeDate: s },
    fields: [
      {
        name: 'next_step',
        label: s,
        type: 'text',
        write: 'suggest',
        repValue: s,
        suggestion: s,
        pending: [s],
        why: {
          kind: 'scout',
          action: 'written',
          at: T,
          quote: s,
          noteId: 'n1',
          confidence: 0.9,
          approvedBy: null,
          edited: false,
        },
        suggestionWhy: null,
        hasHistory: true,
      },
    ],
    notes: new Map([['n1', { id: 'n1', type: 'call', createdAt: T }]]),
    values: { defs: new Map(), users: new Map() },
    coverage: { latest: null, latestLive: null },
    pending: [
      {
        id: 'p1',
        field: 'next_step',
        label: s,
        oldValue: s,
        newValue: s,
        quote: s,
        sourceNoteId: 'n1',
        confidence: 0.7,
        dryRun: false,
        createdAt: T,
        expiresAt: T,
        slackChannel: null,
        slackTs: null,
      },
    ],
    narrative: { since: T, sentences: [{ text: s, note_id: 'n1', quote: s }], dropped: 0 },
    generatedAt: T,
  };
}

function history(s: string): FieldHistory {
  return {
    deal: { id: s, name: s, url: null },
    field: { name: 'next_step', label: s, type: 'text' },
    rows: [
      {
        id: 1,
        runId: 'run-1',
        field: 'next_step',
        action: 'applied',
        reason: s,
        previousValue: s,
        newValue: s,
        sourceNoteId: 'n1',
        quote: s,
        confidence: 0.8,
        actor: s,
        dryRun: false,
        proposalId: 'p0',
        createdAt: T,
      },
    ],
    notes: new Map([['n1', { id: 'n1', type: 'call', createdAt: T }]]),
    values: { defs: new Map(), users: new Map() },
  };
}

/** Every mrkdwn string in a message (block texts, fields, elements, the fallback). */
function mrkdwnTexts(message: { text: string; blocks: unknown }): string[] {
  const out = [message.text];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(message.blocks);
  return out;
}

/** What Slack acts on in one mrkdwn string: links and mentions, formatting, line structure. */
function effects(text: string) {
  let bareMarkers = 0;
  // Inside a code span (whose backticks only the template can place) nothing formats.
  const outsideCode = text.replace(/`[^`\n]*`/g, '');
  for (let i = 0; i < outsideCode.length; i++) {
    const c = outsideCode[i] as string;
    if ('*_~'.includes(c) && !(outsideCode[i - 1] === ZWSP && outsideCode[i + 1] === ZWSP))
      bareMarkers++;
  }
  const lines = text.split('\n');
  return {
    angleBrackets: text.split('<').length - 1,
    backticks: text.split('`').length - 1,
    bareMarkers,
    broadcastWords: (text.match(/@(here|channel|everyone)\b/gi) ?? []).length,
    // A quote may span several lines, each still inside the quote; nothing else may.
    linesOutsideQuotes: lines.filter((l) => !l.startsWith('>')).length,
    entityQuoteLines: lines.filter((l) => l.startsWith('&gt;')).length,
  };
}

function sameEffects(render: (s: string) => { text: string; blocks: unknown }, s: string) {
  const baseline = mrkdwnTexts(render('word')).map(effects);
  const hostile = mrkdwnTexts(render(s)).map(effects);
  expect(hostile).toEqual(baseline);
}

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1 }),
  fc
    .array(
      fc.constantFrom(
        '*',
        '_',
        '~',
        '`',
        '```',
        '>',
        '\n',
        '\r\n',
        '\u2028',
        '<@U01ANA>',
        '<!channel>',
        '@here',
        '<https://evil.example|click>',
        '&',
        '&lt;',
        'word',
        ' ',
        '\n> fake quote',
      ),
      { minLength: 1, maxLength: 30 },
    )
    .map((parts) => parts.join('')),
  fc.integer({ min: 1, max: 1000 }).map((n) => '*_~`>\n'.repeat(n)),
);

describe('untrusted text cannot format, link, mention or break lines in Slack (G22)', () => {
  it('the approval card', () => {
    fc.assert(
      fc.property(hostileText, (s) => sameEffects((x) => approvalCard(card(x)), s)),
      { numRuns: 300 },
    );
  }, 60_000);

  it('the /deal-summary answer', () => {
    fc.assert(
      // A blank value counts as empty (docs/guarantees.md#g3): the one-pager lists it under "Still empty"
      // instead of showing it, which changes the layout, not what text can do.
      fc.property(
        hostileText.filter((s) => s.trim() !== ''),
        (s) => sameEffects((x) => dealSummaryMessage(summary(x), new Map(), { kind: 'asker' }), s),
      ),
      { numRuns: 300 },
    );
  }, 60_000);

  it('the /deal-summary field history', () => {
    fc.assert(
      fc.property(hostileText, (s) => sameEffects((x) => fieldHistoryMessage(history(x)), s)),
      { numRuns: 300 },
    );
  }, 60_000);

  it('the finding from the issue: a value with "\\n> fake quote" stays inside the Proposed field', () => {
    const blocks = JSON.stringify(
      approvalCard({ ...card('word'), newValue: '2027-01-31\n> fake quote' }).blocks,
    );
    expect(blocks).toContain('*Proposed*\\n2027-01-31 &gt; fake quote');
  });
});
