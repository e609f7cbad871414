import type { KnownBlock } from '@slack/types';
import type { HistoryRow } from '../../db/deal-history-reader.js';
import { ACTION_WORDS, type Action } from '../../domain/actions.js';
import { confidenceText } from '../../domain/for-people.js';
import type { PropertyValue } from '../../domain/values.js';
import type { FieldHistory } from '../../summary/summarize-deal.js';
import {
  MAX_REASON,
  minute,
  pack,
  quoteLine,
  showActor,
  showFieldValue,
  showNote,
} from './deal-summary-format.js';
import { inlineCode, LIMITS, plain, safe, truncate } from './text.js';

/**
 * `/deal-summary <deal> why <field>`: every provenance row of the field and of its
 * `scout_` suggestion, oldest first, each with what happened, who did it, the value,
 * the quote and the note it came from. When the rows exceed one message, the newest
 * are kept and the count of earlier ones says where to find them (`scout log`).
 */
export function fieldHistoryMessage(h: FieldHistory): { text: string; blocks: KnownBlock[] } {
  const deal = h.deal.url
    ? `<${encodeURI(h.deal.url)}|${safe(h.deal.name, 200)}>`
    : `*${safe(h.deal.name, 200)}*`;
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      block_id: 'history_head',
      text: {
        type: 'plain_text',
        text: plain(`Why: ${h.field.label} on ${h.deal.name}`, LIMITS.header),
      },
    },
  ];
  if (h.rows.length === 0) {
    blocks.push({
      type: 'section',
      block_id: 'history_empty',
      text: {
        type: 'mrkdwn',
        text: `Scout has no record about *${safe(h.field.label, 100)}* on ${deal}: whatever it holds was entered by a person.`,
      },
    });
    return { text: fallback(h), blocks };
  }
  const entries = h.rows.map((r) => rowEntry(r, h));
  const sections = pack(entries, LIMITS.sectionText);
  const room = LIMITS.blocksPerMessage - blocks.length - 2;
  const kept = sections.slice(-room);
  const omitted = h.rows.length - kept.reduce((n, s) => n + s.count, 0);
  blocks.push({
    type: 'context',
    block_id: 'history_intro',
    elements: [
      {
        type: 'mrkdwn',
        text: truncate(
          `${deal} · *${safe(h.field.label, 100)}* and Scout's suggestion for it · ${h.rows.length} record(s), oldest first${omitted > 0 ? ` · ${omitted} earlier record(s) not shown: \`scout log --deal ${inlineCode(h.deal.id, 100)}\`` : ''}`,
          LIMITS.contextText,
        ),
      },
    ],
  });
  blocks.push(
    ...kept.map(
      (s, i): KnownBlock => ({
        type: 'section',
        block_id: `history_${i}`,
        text: { type: 'mrkdwn', text: s.text },
      }),
    ),
  );
  return { text: fallback(h), blocks };
}

function fallback(h: FieldHistory): string {
  return truncate(
    `Why ${safe(h.field.label, 100)} on ${safe(h.deal.name, 500)}`,
    LIMITS.fallbackText,
  );
}

/** A value of the field (or of its suggestion, which holds the same kind of value) as people read it. */
type Show = (value: PropertyValue | undefined) => string;

/** One provenance row in words. */
function rowEntry(r: HistoryRow, h: FieldHistory): string {
  const suggestion = r.field !== h.field.name;
  const who = showActor(r.actor);
  const what = describe(r, suggestion, who, (value) =>
    showFieldValue(h.field, value, h.values, 200),
  );
  const dry = r.dryRun ? ':construction: DRY RUN · ' : '';
  const source = r.sourceNoteId ? ` · ${showNote(r.sourceNoteId, h.notes)}` : '';
  const confidence = r.confidence !== null ? ` · confidence ${confidenceText(r.confidence)}` : '';
  const lines = [`*${minute(r.createdAt)}* · ${dry}${what}${source}${confidence}`];
  const quote = quoteLine(r.quote);
  if (quote) lines.push(quote);
  return lines.join('\n');
}

function describe(r: HistoryRow, suggestion: boolean, who: string, v: Show): string {
  const reason = r.reason ? ` — ${safe(r.reason, MAX_REASON)}` : '';
  const to = v(r.newValue);
  switch (r.action) {
    case 'proposed':
      return `*proposed* ${to} (was ${v(r.previousValue)})`;
    case 'approved':
      return `*approved* by ${who}`;
    case 'edited':
      return `*edited* to ${to} and approved by ${who}`;
    case 'rejected':
      return `*rejected* by ${who}`;
    case 'applied':
      return `*applied* ${to} to the CRM (was ${v(r.previousValue)}), approved by ${who}`;
    case 'written':
      return suggestion
        ? `*suggested* ${to} (Scout's own field)`
        : `*written* ${to} by ${who} without a person (was ${v(r.previousValue)})`;
    case 'would_apply':
    case 'would_write':
      return `*would have written* ${to}; nothing was written${reason}`;
    case 'undone':
      return `*undone* by ${who}: back to ${to} (was ${v(r.previousValue)})${reason}`;
    case 'would_undo':
      return `*would have undone* back to ${to}; nothing was written${reason}`;
    case 'expired':
      // Its reason says why: the proposal's time ran out, or an undo of its run stopped it.
      return r.reason
        ? `*expired* — ${safe(r.reason.replace(/^expired:?\s*/, ''), MAX_REASON)}`
        : '*expired* before anyone decided';
    default: {
      // Actions without a value of their own (dropped, skipped, refused) say only why.
      const word = Object.hasOwn(ACTION_WORDS, r.action)
        ? ACTION_WORDS[r.action as Action]
        : r.action.replace(/_/g, ' ');
      const value = r.newValue === null || r.newValue === undefined ? '' : ` ${to}`;
      return `*${safe(word, 60)}*${value}${reason}`;
    }
  }
}
