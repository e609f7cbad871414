import type { KnownBlock } from '@slack/types';
import { type Digest, digestSections } from '../../domain/digest.js';
import { LIMITS, safe, truncate } from './text.js';

/** Lines joined into sections of at most Slack's section length, never splitting a line. */
function sections(id: string, heading: string, lines: readonly string[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let text = `*${heading}*`;
  const flush = () => {
    blocks.push({
      type: 'section',
      block_id: `${id}-${blocks.length}`,
      text: { type: 'mrkdwn', text },
    });
  };
  for (const line of lines) {
    const next = `• ${safe(line, 1000)}`;
    if (text.length + 1 + next.length > LIMITS.sectionText) {
      flush();
      text = next;
    } else text = `${text}\n${next}`;
  }
  flush();
  return blocks;
}

/**
 * The weekly digest for the ops channel, in Block Kit within its limits: a header, the
 * overview, what changed by field, and the advice. Past Slack's 50 blocks the changes
 * are cut (never the advice), with a pointer to the CLI.
 */
export function digestMessage(d: Digest): { text: string; blocks: KnownBlock[] } {
  const s = digestSections(d);
  const header: KnownBlock = {
    type: 'header',
    block_id: 'title',
    text: { type: 'plain_text', text: truncate(s.title, LIMITS.header) },
  };
  const overview = sections('overview', 'Overview', s.overview);
  const advice = sections(
    'advice',
    'Autonomy advice (nothing is applied: `scout autonomy` prints the policy diff)',
    s.advice.length > 0 ? s.advice : ['none'],
  );
  const changes = sections(
    'changes',
    'What changed and why',
    s.changes.length > 0 ? s.changes : ['nothing changed'],
  );
  const room = 50 - 1 - overview.length - advice.length;
  const cut = changes.length > room;
  const shown = cut ? changes.slice(0, Math.max(0, room - 1)) : changes;
  const more: KnownBlock[] = cut
    ? [
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'More changes than Slack shows: run `scout digest`.' },
          ],
        },
      ]
    : [];
  return {
    text: truncate(s.title, LIMITS.fallbackText),
    blocks: [header, ...overview, ...shown, ...more, ...advice],
  };
}
