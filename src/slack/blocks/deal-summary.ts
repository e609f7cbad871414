import type { ActionsBlockElement, KnownBlock, PlainTextOption } from '@slack/types';
import type { ScanInfo } from '../../db/deal-history-reader.js';
import { confidenceText, type ValueSources } from '../../domain/for-people.js';
import type { PropertyValue } from '../../domain/values.js';
import type { Why } from '../../summary/explain-field.js';
import type { DealSummary, FieldRow, NoteRef, PendingItem } from '../../summary/summarize-deal.js';
import {
  ACTION_SHARE,
  ACTION_WHY,
  day,
  MAX_QUOTE,
  minute,
  pack,
  quoteLine,
  showActor,
  showFieldValue,
  showNote,
  showValue,
} from './deal-summary-format.js';
import { blockQuote, inlineCode, LIMITS, plain, safe, truncate } from './text.js';

/** Pending proposals listed by name before "and N more". */
export const MAX_PENDING = 10;

/** How the answer is shown: to the asker alone (with buttons), or shared in a channel by someone. */
export type SummaryAudience =
  | { readonly kind: 'asker' }
  | { readonly kind: 'shared'; readonly by: string };

/** What a `deal_summary_share` button or `deal_summary_why` option carries: ids only. */
export function summaryValue(dealId: string, field?: string): string {
  return JSON.stringify(field === undefined ? { d: dealId } : { d: dealId, f: field });
}

const STAGE = { name: 'dealstage', type: 'enum' } as const;
const AMOUNT = { name: 'amount', type: 'number' } as const;

/** Fields the facts line already shows: their values are not repeated among the rows. */
const FACT_FIELDS = new Set(['dealstage', 'amount', 'closedate']);

/**
 * The answer to `/deal-summary`, a manager's one-pager: first what a manager acts on
 * (stage, amount, owner, close date), Scout's coverage and the narrative if any; then
 * only the qualification fields that have a value (the rep's, and Scout's suggestion
 * only where it differs, each with where it came from); one line naming the fields
 * still empty; pending proposals with links to their threads; the Share / Why controls.
 * Within Slack's limits for any number of fields and any length of value: rows are
 * packed into sections, and what does not fit is counted.
 */
export function dealSummaryMessage(
  s: DealSummary,
  links: ReadonlyMap<string, string>,
  audience: SummaryAudience,
): { text: string; blocks: KnownBlock[] } {
  const name = s.deal.url
    ? `<${encodeURI(s.deal.url)}|${safe(s.deal.name, 200)}>`
    : `*${safe(s.deal.name, 200)}*`;
  const head: KnownBlock[] = [
    {
      type: 'header',
      block_id: 'deal',
      text: { type: 'plain_text', text: plain(s.deal.name.trim() || s.deal.id, LIMITS.header) },
    },
    {
      type: 'section',
      block_id: 'facts',
      text: { type: 'mrkdwn', text: `${name} · id \`${inlineCode(s.deal.id, 100)}\`` },
      fields: [
        // A stage is an option even where the CRM does not describe it: its key as words then.
        { type: 'mrkdwn', text: `*Stage*\n${showFieldValue(STAGE, s.deal.stage, s.values)}` },
        { type: 'mrkdwn', text: `*Amount*\n${showFieldValue(AMOUNT, s.deal.amount, s.values)}` },
        { type: 'mrkdwn', text: `*Owner*\n${showValue(s.deal.owner)}` },
        { type: 'mrkdwn', text: `*Close date*\n${showValue(s.deal.closeDate)}` },
      ],
    },
    {
      type: 'context',
      block_id: 'coverage',
      elements: [{ type: 'mrkdwn', text: truncate(coverageLine(s), LIMITS.contextText) }],
    },
  ];
  if (s.narrative && s.narrative.sentences.length > 0) {
    const lines = s.narrative.sentences.map(
      (n) =>
        `• ${safe(n.text, 400)}\n${blockQuote(n.quote, MAX_QUOTE)}\n_${showNote(n.note_id, s.notes)}_`,
    );
    head.push({
      type: 'section',
      block_id: 'narrative',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*What changed since ${day(s.narrative.since)}* (written by Claude; every sentence quotes a note${s.narrative.dropped > 0 ? `; ${s.narrative.dropped} sentence(s) dropped by the citation gate` : ''})\n${lines.join('\n')}`,
          LIMITS.sectionText,
        ),
      },
    });
  }
  const tail: KnownBlock[] = [];
  const pending = withoutDryRunTwins(s.pending);
  if (pending.length > 0)
    tail.push({
      type: 'section',
      block_id: 'pending',
      text: { type: 'mrkdwn', text: pendingText(pending, links, s.values) },
    });
  if (audience.kind === 'asker') tail.push(...controls(s));
  else
    tail.push({
      type: 'context',
      block_id: 'shared',
      elements: [
        {
          type: 'mrkdwn',
          text: `Shared by ${showActor(`slack:${audience.by}`)} · read-only summary by Scout at ${minute(s.generatedAt)}`,
        },
      ],
    });

  // Rows take whatever blocks are left, keeping one for the "not shown" line.
  const room = LIMITS.blocksPerMessage - head.length - tail.length - 2;
  const entries = s.fields.flatMap((f) => {
    const e = fieldEntry(f, s.notes, s.values);
    return e === null ? [] : [e];
  });
  const empty = s.fields.filter(
    (f) => !FACT_FIELDS.has(f.name) && !hasValue(f.repValue) && !hasValue(f.suggestion),
  );
  const sections = pack(entries, LIMITS.sectionText);
  const shown = sections.slice(0, room);
  const shownFields = shown.reduce((n, section) => n + section.count, 0);
  const rows: KnownBlock[] = [
    {
      type: 'section',
      block_id: 'fields_head',
      text: {
        type: 'mrkdwn',
        text:
          entries.length === 0
            ? '*Qualification*: no field has a value yet'
            : `*Qualification* (${entries.length} of ${s.fields.length} field${s.fields.length === 1 ? '' : 's'} with a value)`,
      },
    },
    ...shown.map(
      (section, i): KnownBlock => ({
        type: 'section',
        block_id: `fields_${i}`,
        text: { type: 'mrkdwn', text: section.text },
      }),
    ),
  ];
  if (shownFields < entries.length)
    rows.push({
      type: 'context',
      block_id: 'fields_more',
      elements: [
        {
          type: 'mrkdwn',
          text: `${entries.length - shownFields} more field(s) not shown here: \`/deal-summary ${inlineCode(s.deal.id, 100)} why &lt;field&gt;\``,
        },
      ],
    });
  if (empty.length > 0)
    rows.push({
      type: 'context',
      block_id: 'fields_empty',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `*Still empty*: ${empty.map((f) => safe(f.label, 100)).join(', ')}`,
            LIMITS.contextText,
          ),
        },
      ],
    });
  return {
    text: truncate(`Deal summary: ${safe(s.deal.name, 500)}`, LIMITS.fallbackText),
    blocks: [...head, ...rows, ...tail],
  };
}

/** A dry run's proposal is not listed again when a live one proposes the same value for the field. */
function withoutDryRunTwins(pending: readonly PendingItem[]): readonly PendingItem[] {
  const key = (p: PendingItem) => JSON.stringify([p.field, p.newValue]);
  const live = new Set(pending.filter((p) => !p.dryRun).map(key));
  return pending.filter((p) => !p.dryRun || !live.has(key(p)));
}

/**
 * The pending proposals: whole lines while they fit one section, then "…and N more"
 * counting every one not listed, so no line is cut and the count is never lost.
 */
function pendingText(
  pending: readonly PendingItem[],
  links: ReadonlyMap<string, string>,
  values: ValueSources,
): string {
  let text = `*Pending proposals (${pending.length})*`;
  let listed = 0;
  const moreLine = (n: number) => (n > 0 ? `\n…and ${n} more` : '');
  for (const p of pending.slice(0, MAX_PENDING)) {
    const line = `\n${pendingLine(p, links, values)}`;
    const after = text.length + line.length + moreLine(pending.length - listed - 1).length;
    if (after > LIMITS.sectionText) break;
    text += line;
    listed += 1;
  }
  return text + moreLine(pending.length - listed);
}

/** Longest thread link shown; Slack's permalinks are far shorter, so a longer one is not a link. */
const MAX_LINK = 500;

/**
 * One pending proposal, at most about 900 characters (every part is cut), so at least
 * three always fit a section. Its card: linked, posted but the link could not be had
 * (`chat.getPermalink` failed), or not posted yet.
 */
function pendingLine(
  p: PendingItem,
  links: ReadonlyMap<string, string>,
  values: ValueSources,
): string {
  const link = links.get(p.id);
  const card = p.slackChannel && p.slackTs;
  const where =
    link && encodeURI(link).length <= MAX_LINK
      ? ` · <${encodeURI(link)}|open its thread>`
      : card
        ? ' · card posted, link unavailable'
        : ' · card not posted yet';
  return `• ${p.dryRun ? ':construction: DRY RUN · ' : ''}*${safe(p.label, 100)}* → ${showFieldValue({ name: p.field, type: 'text' }, p.newValue as PropertyValue, values, 200)} · confidence ${confidenceText(p.confidence)} · expires ${minute(p.expiresAt)}${where}`;
}

function hasValue(v: FieldRow['repValue'] | undefined): boolean {
  return v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === '');
}

/** Values a person reads as the same: numbers by value, text ignoring surrounding blanks. */
function same(a: FieldRow['repValue'], b: FieldRow['repValue']): boolean {
  return String(a).trim() === String(b).trim();
}

/**
 * One field's entry, or null when there is nothing to say: its value, where it came
 * from, and Scout's suggestion only where it differs. A fact field (shown above) gets a
 * line only to say how Scout set it. Every value is escaped and cut.
 */
function fieldEntry(
  f: FieldRow,
  notes: ReadonlyMap<string, NoteRef>,
  values: ValueSources,
): string | null {
  const label = `*${safe(f.label, 100)}*`;
  const show = (value: PropertyValue | undefined, max?: number) =>
    showFieldValue(f, value, values, max);
  const why = (w: Why) => whyText(w, notes, show);
  if (FACT_FIELDS.has(f.name))
    return f.why && f.why.kind !== 'rep' ? `${label} (above): ${why(f.why)}` : null;
  const rep = hasValue(f.repValue);
  const suggestion =
    hasValue(f.suggestion) && !(rep && same(f.repValue, f.suggestion ?? null))
      ? (f.suggestion ?? null)
      : null;
  if (!rep && suggestion === null) return null;
  const lines = [`${label}: ${show(rep ? f.repValue : null)}`];
  if (rep && f.why) lines.push(`   ↳ ${why(f.why)}`);
  if (suggestion !== null)
    lines.push(
      `   ↳ Scout suggests ${show(suggestion)}${f.suggestionWhy ? `: ${why(f.suggestionWhy)}` : ''}`,
    );
  return lines.join('\n');
}

function whyText(
  why: Why,
  notes: ReadonlyMap<string, NoteRef>,
  show: (value: PropertyValue, max: number) => string,
): string {
  switch (why.kind) {
    case 'rep':
      return why.after
        ? `entered by the rep (Scout last set ${show(why.after.value, 100)} on ${day(why.after.at)})`
        : 'entered by the rep';
    case 'undo':
      return `restored by an undo by ${showActor(why.actor)} on ${day(why.at)} (Scout's ${show(why.undoneValue, 100)} was taken back)`;
    case 'scout': {
      const who =
        why.action === 'applied'
          ? `approved${why.edited ? ' with an edit' : ''} by ${why.approvedBy ? `<@${why.approvedBy}>` : 'a person'}`
          : 'written by Scout without a person';
      const from = why.noteId ? ` ${showNote(why.noteId, notes)}` : '';
      const quote = why.quote ? `\n${quoteLine(why.quote, 300)}` : '';
      return `${who} on ${day(why.at)}${from}${quote}`;
    }
  }
}

function scanText(scan: ScanInfo): string {
  return `${minute(scan.finishedAt ?? scan.startedAt)} in a ${scan.mode === 'live' ? '*LIVE*' : '*DRY RUN*'} run (${safe(scan.runId.slice(0, 8), 8)})`;
}

function coverageLine(s: DealSummary): string {
  const { latest, latestLive } = s.coverage;
  if (!latest) return ':mag: Scout has not scanned this deal yet.';
  const live =
    latest.mode === 'live'
      ? ''
      : latestLive
        ? ` · last live scan ${scanText(latestLive)}`
        : ' · never scanned live: nothing Scout found was written';
  return `:mag: Last scanned ${scanText(latest)}${live}`;
}

/**
 * Share in channel, and "why" for every field that has a value or a history. A control
 * whose value would break Slack's limits (an absurdly long deal id) is left out.
 */
function controls(s: DealSummary): KnownBlock[] {
  const options: PlainTextOption[] = s.fields
    .filter((f) => f.hasHistory || f.why !== null)
    .map((f) => ({
      text: { type: 'plain_text' as const, text: plain(f.label, LIMITS.optionText) },
      value: summaryValue(s.deal.id, f.name),
    }))
    .filter((o) => o.value.length <= LIMITS.optionValue)
    .slice(0, 100);
  const share = summaryValue(s.deal.id);
  const elements: ActionsBlockElement[] = [
    ...(share.length <= LIMITS.buttonValue
      ? [
          {
            type: 'button' as const,
            action_id: ACTION_SHARE,
            text: { type: 'plain_text' as const, text: 'Share in channel' },
            value: share,
          },
        ]
      : []),
    ...(options.length > 0
      ? [
          {
            type: 'static_select' as const,
            action_id: ACTION_WHY,
            placeholder: { type: 'plain_text' as const, text: 'Why does a field say that?' },
            options,
          },
        ]
      : []),
  ];
  return elements.length > 0 ? [{ type: 'actions', block_id: 'summary_actions', elements }] : [];
}
