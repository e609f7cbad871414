import type { NoteType } from '../../domain/policy.js';
import { htmlToText } from '../hubspot/engagements.js';

/** Subjects Salesforce fills in by default; they say nothing a note's type does not. */
const DEFAULT_SUBJECTS = new Set([
  'call',
  'email',
  'meeting',
  'task',
  'other',
  'send letter',
  'send quote',
  'note',
  'untitled note',
]);

/** A Task's kind: calls and emails; other tasks (to-dos) are notes. An email is a reply when its EmailMessage came in. */
export function taskNoteType(subtype: unknown, incoming: boolean): NoteType {
  if (subtype === 'Call') return 'call';
  if (subtype === 'Email' || subtype === 'ListEmail') return incoming ? 'email_reply' : 'email';
  return 'note';
}

/** An activity's text: its subject (unless a default) above its description, as plain text. */
export function activityText(subject: unknown, body: unknown): string {
  const title =
    typeof subject === 'string' && !DEFAULT_SUBJECTS.has(subject.trim().toLowerCase())
      ? subject
      : null;
  const text = typeof body === 'string' ? htmlToText(body) : null;
  return [title, text]
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .join('\n\n');
}

/** ContentNote's TextPreview holds at most this many characters; a shorter preview is the whole note. */
export const PREVIEW_LIMIT = 255;
