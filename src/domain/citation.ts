/**
 * The citation gate (docs/guarantees.md#g4): a finding survives only if its quote occurs word for
 * word in the note it names, and that note is one of this deal's notes that the
 * extractor was shown. The only normalisation is Unicode NFC and collapsing runs of
 * Unicode White_Space into one space (the quote's ends are trimmed). No case folding,
 * no NFKC, no fuzzy matching: a near miss is a miss.
 */
export interface CitableNote {
  readonly id: string;
  readonly body: string;
}

export type CitationResult = { ok: true } | { ok: false; reason: string };

const WHITESPACE_RUN = /\p{White_Space}+/gu;

export function normalizeForCitation(text: string): string {
  return text.normalize('NFC').replace(WHITESPACE_RUN, ' ');
}

export function checkCitation(
  notes: ReadonlyMap<string, CitableNote>,
  noteId: string,
  quote: string,
  normalizedBodies: Map<string, string> = new Map(),
): CitationResult {
  const note = notes.get(noteId);
  if (!note) {
    return {
      ok: false,
      reason: `cited note ${JSON.stringify(noteId)} is not a note of this deal given to the extractor`,
    };
  }
  const needle = normalizeForCitation(quote).trim();
  if (needle === '') return { ok: false, reason: 'the quote is empty' };
  let haystack = normalizedBodies.get(note.id);
  if (haystack === undefined) {
    haystack = normalizeForCitation(note.body);
    normalizedBodies.set(note.id, haystack);
  }
  if (!haystack.includes(needle)) {
    return { ok: false, reason: `the quote does not occur word for word in note ${note.id}` };
  }
  return { ok: true };
}
