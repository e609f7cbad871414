import type { KnownBlock } from '@slack/types';
import { fromNote } from '../../domain/for-people.js';
import { blockQuote, LIMITS, safe } from './text.js';

/** One unverified finding for a field Scout may never change. */
export interface FyiItem {
  readonly label: string;
  readonly value: string;
  readonly quote: string | null;
  readonly noteType: string | null;
  readonly noteDate: Date | null;
}

/** FYI items shown in one message (two blocks each), within Slack's 50 blocks. */
const MAX_ITEMS = 20;

/**
 * notify_owner: what a note *says* about a field Scout may never change, shown to the
 * owner as text read from a note, unverified, and with no button at all: an injected
 * "stage is closed-won" must not become a call to action.
 */
export function fyiMessage(m: { dealName: string; dryRun: boolean; items: readonly FyiItem[] }): {
  text: string;
  blocks: KnownBlock[];
} {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: 'fyi_intro',
      text: {
        type: 'mrkdwn',
        text: `:information_source: *FYI, unverified* — text read from a note about ${safe(m.dealName, 200)}. Scout does not change these fields and has not checked this; look at the note yourself.`,
      },
    },
  ];
  m.items.slice(0, MAX_ITEMS).forEach((item, n) => {
    blocks.push(
      {
        type: 'section',
        block_id: `fyi_${n}`,
        text: {
          type: 'mrkdwn',
          text: `${safe(item.label, 200)}: a note reads as “${safe(item.value, 500)}” (unverified)${item.quote ? `\n${blockQuote(item.quote, 1500)}` : ''}`,
        },
      },
      {
        type: 'context',
        block_id: `fyi_${n}_source`,
        elements: [
          {
            type: 'mrkdwn',
            text: safe(
              `${fromNote(item.noteType, item.noteDate)} · not written, not proposed`,
              300,
            ),
          },
        ],
      },
    );
  });
  return {
    text: safe(
      `${m.dryRun ? '[DRY RUN] ' : ''}FYI, unverified: text read from a note about ${m.dealName}`,
      LIMITS.fallbackText,
    ),
    blocks,
  };
}
