/**
 * The one place user text becomes Slack text. Slack's mrkdwn needs only `&`, `<` and
 * `>` escaped; with those escaped no `<!channel>`, `<@U…>` or `<url|label>` can be
 * formed. Bare `@here`-style words and bidirectional overrides are neutralised too,
 * and everything is cut to Slack's limits without breaking an entity.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(here|channel|everyone)\b/gi, '@\u200b$1')
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, '');
}

/** Cuts to at most `max` UTF-16 units (Slack's counting), never inside an entity or a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Escaped and cut: for any text that came from a note, a model or a CRM. */
export function safe(text: string, max: number): string {
  return truncate(escapeMrkdwn(text), max);
}

/** A block quote of untrusted text: every line prefixed, escaped, cut. */
export function blockQuote(text: string, max: number): string {
  const lines = escapeMrkdwn(text.replace(/\r\n?/g, '\n'))
    .split('\n')
    .map((l) => `>${l === '' ? '' : ` ${l}`}`);
  return truncate(lines.join('\n'), max);
}

/** Plain text for Slack `plain_text` objects: no parsing happens there, so only cutting is needed. */
export function plain(text: string, max: number): string {
  return truncate(text.replace(/[\u202a-\u202e\u2066-\u2069]/g, ''), max);
}

export const LIMITS = {
  sectionText: 3000,
  field: 2000,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  contextText: 2000,
  fallbackText: 3000,
  modalTitle: 24,
  optionText: 75,
  optionValue: 150,
  blocksPerMessage: 50,
  privateMetadata: 3000,
} as const;
