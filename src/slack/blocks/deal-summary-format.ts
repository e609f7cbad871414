import { fieldValueText, fromNote, type ValueSources } from '../../domain/for-people.js';
import type { FieldType, PropertyValue } from '../../domain/values.js';
import type { NoteRef } from '../../summary/summarize-deal.js';
import { blockQuote, safe, truncate } from './text.js';

export const ACTION_SHARE = 'deal_summary_share';
export const ACTION_WHY = 'deal_summary_why';
export const ACTION_PICK = 'deal_summary_pick';

/** Longest value, quote and reason shown inline; the field's history shows the rest. */
export const MAX_VALUE = 300;
export const MAX_QUOTE = 400;
export const MAX_REASON = 300;

export function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function minute(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A value escaped and cut, or a dash for nothing. */
export function showValue(value: PropertyValue | undefined, max = MAX_VALUE): string {
  return value === null || value === undefined || value === '' ? '—' : safe(String(value), max);
}

/** One field's value as people read it (a name, an option's label, an amount), escaped and cut, or a dash for nothing. */
export function showFieldValue(
  field: { readonly name: string; readonly type: FieldType },
  value: PropertyValue | undefined,
  sources: ValueSources,
  max = MAX_VALUE,
): string {
  return value === null || value === undefined || value === ''
    ? '—'
    : safe(fieldValueText(field.name, value, sources, field.type), max);
}

/** Who did it: a Slack user as a mention, Scout's own runs as "Scout", anything else escaped. */
export function showActor(actor: string): string {
  const slack = /^slack:([UW][A-Z0-9]+)$/.exec(actor);
  if (slack) return `<@${slack[1]}>`;
  if (actor === 'agent') return 'Scout';
  return safe(actor, 80);
}

/** Where a value came from: "from an email reply of 2026-11-19", or the note's id when the CRM no longer has it. */
export function showNote(noteId: string, notes: ReadonlyMap<string, NoteRef>): string {
  const note = notes.get(noteId);
  return note ? fromNote(note.type, note.createdAt) : `from note ${safe(noteId, 60)}`;
}

export function quoteLine(quote: string | null, max = MAX_QUOTE): string {
  return quote ? blockQuote(quote, max) : '';
}

/** Packs entries into as few section texts of at most `max` characters as possible, in order. */
export function pack(
  entries: readonly string[],
  max: number,
): Array<{ text: string; count: number }> {
  const out: Array<{ text: string; count: number }> = [];
  let current: { text: string; count: number } | null = null;
  for (const e of entries) {
    const entry = truncate(e, max);
    if (current && current.text.length + 1 + entry.length <= max) {
      current.text = `${current.text}\n${entry}`;
      current.count += 1;
    } else {
      if (current) out.push(current);
      current = { text: entry, count: 1 };
    }
  }
  if (current) out.push(current);
  return out;
}
