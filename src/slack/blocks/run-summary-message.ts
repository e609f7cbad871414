import type { KnownBlock } from '@slack/types';
import { ACTION_WORDS, ACTIONS } from '../../domain/actions.js';
import { type RunSummary, summaryHeadline } from '../../domain/run-summary.js';
import { describeTarget } from '../../domain/undo-summary.js';
import type { RunDigest } from '../../services/run-digest-view.js';
import { inlineCode, LIMITS, safe, safeLines, truncate } from './text.js';

export const ACTION_SUMMARY_DETAILS = 'scout_summary_details';
export const ACTION_SUMMARY_UNDO = 'scout_summary_undo';
export const ACTION_SUMMARY_PAUSE = 'scout_summary_pause';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Fields written by the run itself or by approvals it applied. */
const writesOf = (s: RunSummary) =>
  s.mode === 'live'
    ? s.counts.written + s.counts.applied
    : s.counts.would_write + s.counts.would_apply;

/** " on 9 deals" when the digest counted them. */
const onDeals = (d: RunDigest | null) => (d ? ` on ${plural(d.dealCount, 'deal')}` : '');

/** What the run did, after the mode (docs/guarantees.md#g14: the mode stays the first words). */
function headline(s: RunSummary, d: RunDigest | null): string {
  const mode = summaryHeadline(s);
  // "LIVE" alone reads as a label; the other headlines are sentences already.
  const sep = mode === 'LIVE' ? ' — ' : ' · ';
  if (s.undo) {
    const done =
      s.mode === 'live'
        ? `${plural(s.counts.undone, 'value')} put back`
        : `would put back ${plural(s.counts.would_undo, 'value')}`;
    return `${mode}${sep}undo of ${describeTarget(s.undo.target)} · ${done}`;
  }
  const writes = writesOf(s);
  const parts = [
    s.mode === 'live'
      ? writes > 0
        ? `${plural(writes, 'field')} written${onDeals(d)}`
        : 'nothing written'
      : writes > 0
        ? `would write ${plural(writes, 'field')}${onDeals(d)}`
        : 'would write nothing',
  ];
  const cards = s.counts.proposed;
  if (cards > 0)
    parts.push(
      s.mode === 'live'
        ? `${plural(cards, 'card')}${d && d.waiting.length > 0 ? ` to ${plural(d.waiting.length, 'person', 'people')}` : ''}`
        : `${plural(cards, 'card')} previewed`,
    );
  return `${mode}${sep}${parts.join(' · ')}`;
}

/** The changed deals, one line each, then how many were left out. */
function dealLines(s: RunSummary, d: RunDigest): string[] {
  if (d.dealCount === 0) return [];
  const title = s.undo ? 'Put back on' : s.mode === 'live' ? 'Changed' : 'Would change';
  const lines = [`*${title}:*`];
  let length = 0;
  for (const deal of d.deals) {
    const line = `• *${safe(deal.name, 150)}* — ${deal.fields.map((f) => safe(f, 100)).join(', ')}`;
    // Room stays for the other sections of the body.
    if (length + line.length > LIMITS.sectionText / 2) break;
    lines.push(line);
    length += line.length + 1;
  }
  const more = d.dealCount - (lines.length - 1);
  if (more > 0) lines.push(`… and ${plural(more, 'more deal')}`);
  return lines;
}

function waitingLine(d: RunDigest): string[] {
  if (d.waiting.length === 0) return [];
  const people = d.waiting.map(
    (w) => `${w.person ? safe(w.person, 80) : 'someone unassigned'} ${w.cards}`,
  );
  return [`*Cards waiting:* ${people.join(' · ')}`];
}

function countsLine(s: RunSummary): string {
  const shown = ACTIONS.filter((a) => s.counts[a] > 0).map(
    (a) => `${s.counts[a]} ${ACTION_WORDS[a]}`,
  );
  return `*Counts:* ${shown.length > 0 ? shown.join(' · ') : 'nothing to report'}`;
}

/** "scanned X of Y", and the cap when it kept deals out (docs/guarantees.md#g13). */
function coverageLine(s: RunSummary): string {
  const capped = s.cap !== null && s.cap < s.total;
  const cap = capped
    ? ` — *capped at ${s.cap}: ${plural(s.total - s.scanned, 'deal')} not looked at*`
    : '';
  const d = s.deals;
  return `*Scanned* ${s.scanned} of ${s.total} deals${cap} · ${d.extracted} read, ${d.no_new_notes} had no new notes, ${d.failed} failed`;
}

function undoLines(s: RunSummary): string[] {
  const u = s.undo;
  if (!u) return [];
  const lines = [`*Undo of ${safe(describeTarget(u.target), 100)}*`];
  if (u.nothing_to_undo !== null) lines.push(`Nothing to undo: ${safe(u.nothing_to_undo, 300)}`);
  const expired = u.expired_proposals + u.unapplied_approvals;
  if (expired > 0)
    lines.push(
      `${plural(expired, 'open card')} of the undone run ${s.mode === 'live' ? 'expired, so they never write' : 'would be expired'}`,
    );
  return lines;
}

const onOff = (on: boolean, yes: string, no: string) => (on ? yes : no);

/** Gates, audit head and run id: for whoever checks, not the first read. */
function contextText(s: RunSummary): string {
  const l = s.locks;
  const gates = [
    onOff(l.apply, 'apply asked', 'apply not asked'),
    onOff(l.live_writes, 'live writes on', 'live writes off'),
    onOff(l.paused, '*paused*', 'not paused'),
  ].join(' · ');
  const head =
    s.chain_head === undefined
      ? ''
      : s.chain_head === null
        ? ' · audit chain: empty'
        : ` · audit chain head #${s.chain_head.seq} \`${inlineCode(s.chain_head.hash.slice(0, 12), 20)}\``;
  return `Gates: ${gates}${head} · run \`${inlineCode(s.run_id, 100)}\``;
}

function buttons(s: RunSummary): KnownBlock {
  const value = JSON.stringify({ r: s.run_id });
  const button = (action_id: string, text: string, style?: 'danger') => ({
    type: 'button' as const,
    action_id,
    text: { type: 'plain_text' as const, text },
    value,
    ...(style ? { style } : {}),
  });
  return {
    type: 'actions',
    block_id: 'run_actions',
    elements: [
      button(ACTION_SUMMARY_DETAILS, 'Details'),
      // Only a live run's own writes can be undone; an undo is not undone again from here.
      ...(s.mode === 'live' && !s.undo && writesOf(s) > 0
        ? [button(ACTION_SUMMARY_UNDO, 'Undo this run', 'danger')]
        : []),
      ...(s.locks.paused ? [] : [button(ACTION_SUMMARY_PAUSE, 'Pause')]),
    ],
  };
}

/**
 * The ops-channel summary (docs/guarantees.md#g14): a header that starts with the mode and
 * says what happened, the warnings, then in words the deals changed, who has cards,
 * the counts and the coverage; gates and audit head in a context line; buttons for the
 * full counts, undoing the run and pausing Scout. Without a digest (its reads failed)
 * the deals and people are left out, never the rest.
 */
export function runSummaryMessage(
  summary: RunSummary,
  digest: RunDigest | null,
): { text: string; blocks: KnownBlock[] } {
  const header = headline(summary, digest);
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      block_id: 'mode',
      text: { type: 'plain_text', text: truncate(header, LIMITS.header) },
    },
  ];
  if (summary.warnings.length > 0) {
    blocks.push({
      type: 'section',
      block_id: 'warnings',
      text: {
        type: 'mrkdwn',
        text: safeLines(
          summary.warnings.map((w) => `:warning: ${w}`).join('\n'),
          LIMITS.sectionText,
        ),
      },
    });
  }
  const body = [
    ...undoLines(summary),
    ...(digest ? [...dealLines(summary, digest), ...waitingLine(digest)] : []),
    countsLine(summary),
    ...(summary.undo ? [] : [coverageLine(summary)]),
  ];
  blocks.push(
    {
      type: 'section',
      block_id: 'summary',
      text: { type: 'mrkdwn', text: truncate(body.join('\n'), LIMITS.sectionText) },
    },
    {
      type: 'context',
      block_id: 'gates',
      elements: [{ type: 'mrkdwn', text: truncate(contextText(summary), LIMITS.contextText) }],
    },
    buttons(summary),
  );
  return {
    text: truncate(`${header} · Scout run ${summary.run_id.slice(0, 8)}`, LIMITS.fallbackText),
    blocks,
  };
}
