import type { KnownBlock } from '@slack/types';
import type { HistoryRow } from '../../db/deal-history-reader.js';
import type { PropertyValue } from '../../domain/values.js';
import { AGENT_PREFIX } from '../../domain/values.js';
import type { FieldHistory, NoteRef } from '../../summary/summarize-deal.js';
import {
  MAX_REASON,
  minute,
  pack,
  quoteLine,
  showActor,
  showNote,
  showValue,
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
  const entries = h.rows.map((r) => rowEntry(r, h.field.name, h.notes));
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
          `${deal} · \`${inlineCode(h.field.name, 100)}\` and Scout's suggestion \`${AGENT_PREFIX}${inlineCode(h.field.name, 100)}\` · ${h.rows.length} record(s), oldest first${omitted > 0 ? ` · ${omitted} earlier record(s) not shown: \`scout log --deal ${inlineCode(h.deal.id, 100)}\`` : ''}`,
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

const v = (value: PropertyValue | undefined) => showValue(value, 200);

/** One provenance row in words. */
function rowEntry(r: HistoryRow, field: string, notes: ReadonlyMap<string, NoteRef>): string {
  const suggestion = r.field !== field;
  const who = showActor(r.actor);
  const what = describe(r, suggestion, who);
  const dry = r.dryRun ? ':construction: DRY RUN · ' : '';
  const source = r.sourceNoteId ? ` · from ${showNote(r.sourceNoteId, notes)}` : '';
  const confidence = r.confidence !== null ? ` · confidence ${r.confidence.toFixed(2)}` : '';
  const lines = [`*${minute(r.createdAt)}* · ${dry}${what}${source}${confidence}`];
  const quote = quoteLine(r.quote);
  if (quote) lines.push(quote);
  return lines.join('\n');
}

function describe(r: HistoryRow, suggestion: boolean, who: string): string {
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
    default:
      return `*${safe(r.action, 40)}* ${to}${reason}`;
  }
}
