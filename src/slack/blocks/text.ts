const ZWSP = '\u200b';

/**
 * The one place user text becomes Slack text (docs/guarantees.md#g22). `&`, `<` and `>` are escaped,
 * so no `<!channel>`, `<@U…>` or `<url|label>` can be formed. The formatting characters
 * `*`, `_` and `~` get a zero-width space on each side: whether Slack counts that space
 * as a word character or as blank, a marker between two of them can neither open nor
 * close a span. Backticks become a look-alike (ˋ) so no code span or block opens or
 * ends early. A leading `>` (blockquote) is pushed off the line start. Bare
 * `@here`-style words and bidirectional overrides are neutralised too.
 */
export function escapeMrkdwn(text: string): string {
  const escaped = text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[*_~]/g, (c) => `${ZWSP}${c}${ZWSP}`)
    .replace(/`/g, '\u02cb')
    .replace(/@(here|channel|everyone)\b/gi, `@${ZWSP}$1`)
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, '');
  return escaped.replace(/(^|\n)&gt;/g, `$1${ZWSP}&gt;`);
}

/** One line: line breaks (and the blanks around them) and other control characters become one space. */
export function oneLine(text: string): string {
  // Split and trim rather than one regex over blanks: that would backtrack quadratically.
  const parts = text.split(/[\r\n\v\f\u0085\u2028\u2029]+/);
  return (
    parts
      .map((p, i) => {
        const start = i > 0 ? p.trimStart() : p;
        return i < parts.length - 1 ? start.trimEnd() : start;
      })
      .join(' ')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      .replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, '')
  );
}

/** Cuts to at most `max` UTF-16 units (Slack's counting), never inside an entity or a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  // Never leave an escaped formatting character half-wrapped.
  cut = cut.replace(/\u200b[*_~]$|(?<![*_~])\u200b$/, '');
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Escaped, on one line, and cut: for any value that came from a note, a model or a CRM. */
export function safe(text: string, max: number): string {
  return truncate(escapeMrkdwn(oneLine(text)), max);
}

/** Escaped and cut, line breaks kept: for Scout's own multi-line text (run summaries, alerts). */
export function safeLines(text: string, max: number): string {
  return truncate(escapeMrkdwn(text), max);
}

/** Text inside a ``` block: formatting is off there, so only entities and backticks are escaped. */
export function codeText(text: string, max: number): string {
  return truncate(
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/`/g, '\u02cb')
      .replace(/@(here|channel|everyone)\b/gi, `@${ZWSP}$1`),
    max,
  );
}

/** Text inside a `code span`: one line, entities and backticks escaped, copyable as it is. */
export function inlineCode(text: string, max: number): string {
  return codeText(oneLine(text), max);
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
