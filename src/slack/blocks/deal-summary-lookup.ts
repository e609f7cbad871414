import type { KnownBlock } from '@slack/types';
import type { DealName } from '../../summary/deal-lookup.js';
import { summaryValue } from './deal-summary.js';
import { ACTION_PICK } from './deal-summary-format.js';
import { inlineCode, LIMITS, plain, safe, truncate } from './text.js';

const code = (text: string) => `\`${inlineCode(text, 200)}\``;

/** Escaped: Slack would read a bare `<deal name or id>` as a link, even in code. */
export const USAGE = `Usage: ${code('/deal-summary <deal name or id>')} for a read-only summary · ${code('/deal-summary <deal> why <field>')} for the history of one field (for example ${code('/deal-summary acme why close date')}).`;

/** Several deals match: one button per deal, carrying its id (and the field asked about). */
export function dealPicker(
  query: string,
  deals: readonly DealName[],
  total: number,
  field?: string,
): { text: string; blocks: KnownBlock[] } {
  const more =
    total > deals.length
      ? ` Showing the first ${deals.length} of ${total}; type more of the name to narrow it.`
      : '';
  return {
    text: truncate(`${total} deals match "${safe(query, 200)}"`, LIMITS.fallbackText),
    blocks: [
      {
        type: 'section',
        block_id: 'pick_head',
        text: {
          type: 'mrkdwn',
          text: truncate(
            `*${total} deals match “${safe(query, 200)}”.* Pick one:${more}`,
            LIMITS.sectionText,
          ),
        },
      },
      {
        type: 'actions',
        block_id: 'pick',
        elements: deals.map((d, i) => ({
          type: 'button' as const,
          action_id: `${ACTION_PICK}_${i}`,
          text: { type: 'plain_text' as const, text: plain(d.name, LIMITS.buttonText) },
          value: truncate(summaryValue(d.id, field), LIMITS.buttonValue),
        })),
      },
    ],
  };
}

/** Nothing matches: say so, with the closest names when there are any. */
export function noMatch(query: string, closest: readonly DealName[]): string {
  const names = closest
    .map((d) => `*${safe(d.name, 200)}* (\`${inlineCode(d.id, 100)}\`)`)
    .join(', ');
  return truncate(
    `No deal matches “${safe(query, 200)}”.${names ? ` Closest names: ${names}.` : ''} Try a deal id or another part of its name.`,
    LIMITS.sectionText,
  );
}
