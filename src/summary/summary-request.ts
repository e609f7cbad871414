/** What a manager asked for with `/deal-summary <text>`. */
export type SummaryRequest =
  | { readonly kind: 'usage' }
  | { readonly kind: 'summary'; readonly query: string }
  | { readonly kind: 'why'; readonly query: string; readonly field: string };

/**
 * `acme` → a summary; `acme why economic_buyer` (or `… why economic buyer`) → one
 * field's history, split at the last standalone "why" so a deal named "Why Not Ltd"
 * still works; nothing, `help` or `?` → usage help.
 */
export function parseSummaryRequest(text: string): SummaryRequest {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t === '' || /^(help|\?)$/i.test(t)) return { kind: 'usage' };
  const m = /^(.*\S) why (\S.*)$/i.exec(t);
  if (m?.[1] && m[2]) return { kind: 'why', query: m[1], field: m[2] };
  return { kind: 'summary', query: t };
}
