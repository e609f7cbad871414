import type { CrmNote } from '../services/ports/crm.js';

/**
 * Note text the model sees per deal, in characters (about 6,000 tokens at four
 * characters a token). A deal with more new note text than this is rare and would cost
 * more than its findings are worth; its newest notes are the ones that matter.
 */
export const MAX_NOTE_CHARS_PER_DEAL = 24_000;

export interface NoteBudget {
  /** The notes shown, oldest first, as the prompt lists them. */
  readonly notes: readonly CrmNote[];
  /** Whole notes left out, and every character not shown (left-out notes and any cut tail). */
  readonly leftOut: { readonly notes: number; readonly chars: number };
}

/**
 * The per-deal rule, newest first: notes are taken from the newest back while their
 * bodies fit in `maxChars`; the first older note that does not fit, and every note older
 * than it, is left out. The newest note is always shown, cut to `maxChars` when it alone
 * is longer, so a deal never goes to the model with no notes at all. What is left out is
 * not read again by later runs (the watermark moves past it); `--rescan` re-reads it
 * under the same cap.
 */
export function budgetNotes(
  notes: readonly CrmNote[],
  maxChars = MAX_NOTE_CHARS_PER_DEAL,
): NoteBudget {
  const shown: CrmNote[] = [];
  let used = 0;
  let chars = 0;
  for (let i = notes.length - 1; i >= 0; i--) {
    const note = notes[i] as CrmNote;
    if (shown.length === 0 && note.body.length > maxChars) {
      shown.push({ ...note, body: note.body.slice(0, maxChars) });
      chars += note.body.length - maxChars;
      used = maxChars;
      continue;
    }
    if (used + note.body.length > maxChars) {
      const older = notes.slice(0, i + 1);
      chars += older.reduce((n, o) => n + o.body.length, 0);
      return { notes: shown.reverse(), leftOut: { notes: older.length, chars } };
    }
    shown.push(note);
    used += note.body.length;
  }
  return { notes: shown.reverse(), leftOut: { notes: 0, chars } };
}
