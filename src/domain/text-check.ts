import type { z } from 'zod';

/**
 * What may not sit in a stored text: C0 control characters other than tab, line feed and
 * carriage return (Postgres refuses NUL outright), DEL, and UTF-16 surrogates without
 * their pair (a JSON `\ud800` escape). The answer names the character and where it is,
 * never the text around it, which may be a customer's note.
 */
export function textProblem(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f)
      return `contains the control character U+${hex(c)} at character ${i}`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `contains a lone surrogate U+${hex(c)} at character ${i}`;
    }
    if (c >= 0xdc00 && c <= 0xdfff)
      return `contains a lone surrogate U+${hex(c)} at character ${i}`;
  }
  return null;
}

function hex(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * A zod string that refuses what {@link textProblem} finds: for untrusted text Scout stores
 * or shows (model answers), so a NUL never reaches Postgres and an escape never reaches
 * Slack. The issue names the problem, never the text.
 */
export function storableText<T extends z.ZodString>(schema: T): T {
  return schema.superRefine((text, ctx) => {
    const problem = textProblem(text);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  }) as T;
}
