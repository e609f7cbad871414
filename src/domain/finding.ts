import { z } from 'zod';
import { storableText, textProblem } from './text-check.js';

/**
 * One finding as the extraction contract defines it. Strict: a key beyond the
 * contract (a deal id, an object type, a target) makes the finding invalid, so model
 * output can never choose which record or property is written (docs/guarantees.md#g5).
 */
export const findingSchema = z.strictObject({
  field: storableText(z.string().min(1).max(200)),
  value: z.union([storableText(z.string()), z.number(), z.boolean(), z.null()]),
  note_id: storableText(z.string().min(1).max(200)),
  // Control characters (tab and line breaks aside) are refused, not cleaned: a quote must
  // match its note character for character, and a value with an escape is no CRM value.
  quote: storableText(z.string().min(1).max(5000)),
  confidence: z.number().min(0).max(1),
});

export type Finding = z.output<typeof findingSchema>;

export type ParsedFinding =
  | { ok: true; finding: Finding }
  | { ok: false; reason: string; field: string; noteId: string | null; quote: string | null };

const MAX_ECHO = 200;

/** A string the log may repeat; text with control characters is not repeated (it could not be stored). */
function echo(raw: unknown, key: string): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const value = (raw as Record<string, unknown>)[key];
  return typeof value === 'string' && textProblem(value) === null ? value.slice(0, MAX_ECHO) : null;
}

/** Parses one raw finding; a failure carries a readable reason and whatever can be safely echoed into the log. */
export function parseFinding(raw: unknown): ParsedFinding {
  const result = findingSchema.safeParse(raw);
  if (result.success) return { ok: true, finding: result.data };
  const reason = result.error.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') return `unexpected key(s) ${i.keys.join(', ')}`;
      return `${i.path.join('.') || 'finding'}: ${i.message}`;
    })
    .join('; ');
  return {
    ok: false,
    reason: `malformed finding: ${reason}`,
    field: echo(raw, 'field') ?? '(none)',
    noteId: echo(raw, 'note_id'),
    quote: echo(raw, 'quote'),
  };
}
