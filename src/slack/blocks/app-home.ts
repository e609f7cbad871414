import type { KnownBlock, View } from '@slack/types';
import type { CardProposal, SuggestionsMessage } from '../../services/ports/notifier.js';
import { approvalCard } from './approval-card.js';
import { suggestionsMessage } from './suggestions-message.js';
import { LIMITS, plain, safe, truncate } from './text.js';

/** Slack's limit for a Home tab; a few are kept for the headings and the "more" lines. */
const MAX_BLOCKS = 100;

export interface HomeInput {
  /** My pending proposals, newest first (cards as the thread shows them). */
  readonly proposals: readonly CardProposal[];
  /** My deals' open suggestions, one message's worth per deal, newest first. */
  readonly suggestions: readonly SuggestionsMessage[];
  /** Approvers and ops admins: pending proposals by rep (oldest first) and the last runs. */
  readonly team?: {
    readonly byRep: ReadonlyArray<{ owner: string | null; pending: number; oldest: Date }>;
    readonly runs: ReadonlyArray<{
      id: string;
      mode: string;
      status: string;
      startedAt: Date;
      scanned: number;
    }>;
  };
}

const at = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The App Home tab: what waits for *me* — my pending proposals and un-promoted
 * suggestions grouped by deal, with the same buttons as in the thread (the same action
 * ids and values, so the same listeners and rules decide) — and for approvers and ops
 * admins a team view. Block ids are made unique per item; whatever would pass Slack's
 * 100 blocks is counted, not dropped silently.
 */
export function appHomeView(input: HomeInput): View {
  const blocks: KnownBlock[] = [];
  const room = () => MAX_BLOCKS - 6 - blocks.length;
  const item = (prefix: string, parts: KnownBlock[]) =>
    parts.map((b) => ({ ...b, block_id: `${prefix}_${b.block_id ?? 'b'}` }) as KnownBlock);

  const offers = input.suggestions.reduce((n, m) => n + m.offers.length, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  blocks.push(
    heading(
      'mine',
      `Waiting for you: ${plural(input.proposals.length, 'proposal')}, ${plural(offers, 'suggestion')}`,
    ),
  );
  if (input.proposals.length === 0 && input.suggestions.length === 0)
    blocks.push(
      context(
        'nothing',
        'Nothing waits for you. Scout posts new proposals in your DMs, threaded per deal.',
      ),
    );

  let shownProposals = 0;
  let lastDeal: string | null = null;
  for (const [n, p] of input.proposals.entries()) {
    const card = item(`p${n}`, approvalCard(p).blocks);
    if (card.length + 1 > room()) break;
    if (p.dealName !== lastDeal) {
      blocks.push(context(`p${n}_deal`, `*${safe(p.dealName, 200)}*`));
      lastDeal = p.dealName;
    }
    blocks.push(...card);
    shownProposals += 1;
  }
  if (shownProposals < input.proposals.length)
    blocks.push(
      context('p_more', `${input.proposals.length - shownProposals} more proposal(s) in your DMs`),
    );

  let shownDeals = 0;
  for (const [n, m] of input.suggestions.entries()) {
    const message = item(`s${n}`, suggestionsMessage(m).blocks);
    if (message.length > room()) break;
    blocks.push(...message);
    shownDeals += 1;
  }
  if (shownDeals < input.suggestions.length)
    blocks.push(
      context(
        's_more',
        `Suggestions for ${input.suggestions.length - shownDeals} more deal(s) in your DMs`,
      ),
    );

  if (input.team) {
    blocks.push(
      { type: 'divider', block_id: 'team_divider' },
      heading('team', 'Team: pending by rep, oldest first'),
    );
    const reps = input.team.byRep
      .map(
        (r) =>
          `• ${r.owner ? `<@${r.owner}>` : '_no Slack owner_'}: ${r.pending} pending, oldest since ${at(r.oldest)}`,
      )
      .join('\n');
    blocks.push(section('team_reps', reps || 'No proposal is pending.'));
    const runs = input.team.runs
      .map(
        (r) =>
          `• ${at(r.startedAt)} · *${r.mode === 'live' ? 'LIVE' : 'DRY RUN'}* · ${safe(r.status, 30)} · scanned ${r.scanned} · \`${safe(r.id.slice(0, 8), 8)}\``,
      )
      .join('\n');
    blocks.push(heading('runs', 'Last runs'), section('team_runs', runs || 'No run yet.'));
  }
  return { type: 'home', blocks: blocks.slice(0, MAX_BLOCKS) };
}

function heading(id: string, text: string): KnownBlock {
  return {
    type: 'header',
    block_id: id,
    text: { type: 'plain_text', text: plain(text, LIMITS.header) },
  };
}

function section(id: string, text: string): KnownBlock {
  return {
    type: 'section',
    block_id: id,
    text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) },
  };
}

function context(id: string, text: string): KnownBlock {
  return { type: 'context', block_id: id, elements: [{ type: 'mrkdwn', text }] };
}
