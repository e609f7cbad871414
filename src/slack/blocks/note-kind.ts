import type { NoteType } from '../../domain/policy.js';

const IN_WORDS: Record<NoteType, string> = {
  call: 'a call',
  meeting: 'a meeting',
  email: 'an email',
  email_reply: 'an email reply',
  note: 'a note',
};

/** A note's kind as a person says it ("an email reply", not "a email_reply"); anything unknown is "a note". */
export function noteKindInWords(type: string | null): string {
  return type !== null && Object.hasOwn(IN_WORDS, type)
    ? IN_WORDS[type as NoteType]
    : IN_WORDS.note;
}

/** Where a quote came from: "from an email reply of 2026-11-30". */
export function fromNote(type: string | null, date: Date | null): string {
  return `from ${noteKindInWords(type)}${date ? ` of ${date.toISOString().slice(0, 10)}` : ''}`;
}
