import type { KnownBlock } from '@slack/types';
import { confidenceText, fromNote } from '../../domain/for-people.js';
import type { ShownOffer, SuggestionsMessage } from '../../services/ports/notifier.js';
import { blockQuote, LIMITS, plain, safe } from './text.js';

export const ACTION_PROMOTE = 'scout_promote';
export const ACTION_PROMOTE_ALL = 'scout_promote_all';
export const ACTION_DISMISS = 'scout_dismiss';

/** Offers shown in one message: three blocks each, so a message stays within Slack's 50. */
export const MAX_OFFERS_SHOWN = 15;

/** A Use / Not useful button's value: the offer and the version the click saw. */
export function offerValue(o: Pick<ShownOffer, 'id' | 'version'>): string {
  return JSON.stringify({ s: o.id, v: o.version });
}

/** The Use all button's value: the run and the deal whose open offers it promotes. */
export function useAllValue(m: Pick<SuggestionsMessage, 'runId' | 'dealId'>): string {
  return JSON.stringify({ r: m.runId, d: m.dealId });
}

function dryRunLine(m: SuggestionsMessage): string {
  if (!m.dryRun) return '';
  return m.preview
    ? ':construction: *DRY RUN preview* — in a live run the deal owner gets this message with its buttons; nobody is asked now\n'
    : ':construction: *DRY RUN* — using a suggestion records what would be written; the CRM does not change\n';
}

/**
 * docs/guarantees.md#g23: a deal's suggestions in its thread, one message for all of them: field,
 * value, quote, note date and confidence, with "Use as ‹label›" and "Not useful" while
 * open, "Use all" when several are open, and afterwards what each click did.
 */
export function suggestionsMessage(m: SuggestionsMessage): { text: string; blocks: KnownBlock[] } {
  const shown = m.offers.slice(0, MAX_OFFERS_SHOWN);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: 'intro',
      text: {
        type: 'mrkdwn',
        text: `${dryRunLine(m)}*Suggestions for ${safe(m.dealName, 200)}*: Scout read these in the notes and put them in its own fields; the deal's fields are still empty. *Use* copies one into the field.`,
      },
    },
  ];
  shown.forEach((o, n) => {
    blocks.push(
      {
        type: 'section',
        block_id: `offer_${n}`,
        text: {
          type: 'mrkdwn',
          text: `*${safe(o.label, 200)}*: ${safe(o.value, 1000)}${o.quote ? `\n${blockQuote(o.quote, 1500)}` : ''}`,
        },
      },
      {
        type: 'context',
        block_id: `offer_${n}_source`,
        elements: [{ type: 'mrkdwn', text: sourceLine(o) }],
      },
    );
    blocks.push(
      o.status === 'open' && !m.preview
        ? {
            type: 'actions',
            block_id: `offer_${n}_use`,
            elements: [
              {
                type: 'button',
                action_id: ACTION_PROMOTE,
                style: 'primary',
                text: { type: 'plain_text', text: plain(`Use as ${o.label}`, LIMITS.buttonText) },
                value: offerValue(o),
              },
              {
                type: 'button',
                action_id: ACTION_DISMISS,
                text: { type: 'plain_text', text: 'Not useful' },
                value: offerValue(o),
              },
            ],
          }
        : {
            type: 'context',
            block_id: `offer_${n}_outcome`,
            elements: [{ type: 'mrkdwn', text: outcomeLine(o) }],
          },
    );
  });
  if (!m.preview && shown.filter((o) => o.status === 'open').length > 1)
    blocks.push({
      type: 'actions',
      block_id: 'use_all',
      elements: [
        {
          type: 'button',
          action_id: ACTION_PROMOTE_ALL,
          text: { type: 'plain_text', text: 'Use all' },
          value: useAllValue(m),
          confirm: {
            title: { type: 'plain_text', text: 'Use every suggestion?' },
            text: {
              type: 'mrkdwn',
              text: 'Each one is copied into its field if that field is still empty.',
            },
            confirm: { type: 'plain_text', text: 'Use all' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    });
  if (m.offers.length > shown.length)
    blocks.push({
      type: 'context',
      block_id: 'more',
      elements: [
        {
          type: 'mrkdwn',
          text: `${m.offers.length - shown.length} more in \`scout log --deal ${safe(m.dealId, 100)}\``,
        },
      ],
    });
  const text = safe(
    `${m.dryRun ? '[DRY RUN] ' : ''}Scout has ${m.offers.length} suggestion${m.offers.length === 1 ? '' : 's'} for ${m.dealName}`,
    LIMITS.fallbackText,
  );
  return { text, blocks };
}

function sourceLine(o: ShownOffer): string {
  const confidence = o.confidence === null ? '' : ` · confidence ${confidenceText(o.confidence)}`;
  return safe(`${fromNote(o.noteType, o.noteDate)}${confidence}`, LIMITS.contextText);
}

function outcomeLine(o: ShownOffer): string {
  const who = o.decidedBy ? ` by <@${o.decidedBy}>` : '';
  const why = o.outcome ? ` — ${safe(o.outcome, 1500)}` : '';
  switch (o.status) {
    case 'promoted':
      return `:white_check_mark: Used${who} — written to ${safe(o.label, 200)}`;
    case 'would_promote':
      return `:construction: Used${who} — DRY RUN, nothing was written${why}`;
    case 'promoting':
      return `:hourglass_flowing_sand: Used${who} — writing…`;
    case 'filled':
      return `:information_source: Not used: ${safe(o.label, 200)} is no longer empty${why}; nothing was written`;
    case 'dismissed':
      return `:wastebasket: Dismissed${who} as not useful; Scout will not suggest it again`;
    case 'failed':
      return `:rotating_light: Used${who}, but the write failed${why}`;
    case 'open':
      // Only a preview shows an open offer without its buttons.
      return 'Preview: in a live run the owner can use it or mark it not useful';
  }
}
