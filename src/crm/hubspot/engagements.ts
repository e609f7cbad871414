import type { NoteType } from '../../domain/policy.js';

/** The HubSpot activity objects Scout reads as a deal's notes, with the properties that hold their text. */
export const ENGAGEMENTS = [
  { object: 'notes', title: null, body: 'hs_note_body' },
  { object: 'calls', title: 'hs_call_title', body: 'hs_call_body' },
  { object: 'meetings', title: 'hs_meeting_title', body: 'hs_meeting_body' },
  { object: 'emails', title: 'hs_email_subject', body: 'hs_email_text' },
] as const;

export type EngagementObject = (typeof ENGAGEMENTS)[number]['object'];

export function engagementProperties(object: EngagementObject): string[] {
  const e = ENGAGEMENTS.find((x) => x.object === object);
  const props = [
    'hs_timestamp',
    e?.body,
    e?.title,
    object === 'emails' ? 'hs_email_direction' : null,
  ];
  return props.filter((p): p is string => typeof p === 'string');
}

/** An incoming email is the customer's reply; everything Scout's users send is an `email`. */
export function noteTypeOf(
  object: EngagementObject,
  properties: Record<string, string | null>,
): NoteType {
  switch (object) {
    case 'notes':
      return 'note';
    case 'calls':
      return 'call';
    case 'meetings':
      return 'meeting';
    case 'emails':
      return properties.hs_email_direction === 'INCOMING_EMAIL' ? 'email_reply' : 'email';
  }
}

/** The text of an activity: its title (when it has one) above its body, as plain text. */
export function engagementText(
  object: EngagementObject,
  properties: Record<string, string | null>,
): string {
  const e = ENGAGEMENTS.find((x) => x.object === object);
  const title = e?.title ? properties[e.title] : null;
  const body = e ? properties[e.body] : null;
  return [title, body ? htmlToText(body) : null]
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .join('\n\n');
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/**
 * HubSpot stores note and meeting bodies as HTML. The model reads, and the citation
 * gate checks quotes against, the same plain text: block ends become line breaks,
 * tags go, entities are decoded. Text without markup passes through unchanged.
 */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return html;
  return html
    .replace(/<\s*br\s*\/?>/gi, '\n')
    .replace(/<\/\s*(p|div|li|h[1-6]|tr)\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
      if (code[0] === '#') {
        const n =
          code[1] === 'x' || code[1] === 'X'
            ? Number.parseInt(code.slice(2), 16)
            : Number(code.slice(1));
        return Number.isInteger(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole;
      }
      return ENTITIES[code.toLowerCase()] ?? whole;
    })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
