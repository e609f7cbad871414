import type { KnownBlock } from '@slack/types';
import { formatRunSummary, type RunSummary } from '../../domain/run-summary.js';
import { codeText, LIMITS, safeLines, truncate } from './text.js';

/** The ops-channel summary: the mode as a header (the loudest line), then the printed summary. */
export function runSummaryMessage(summary: RunSummary): { text: string; blocks: KnownBlock[] } {
  const [headline = '', ...rest] = formatRunSummary(summary).split('\n');
  const warnings = rest.filter((l) => l.startsWith('WARNING: '));
  const body = rest.filter((l) => !l.startsWith('WARNING: '));
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      block_id: 'mode',
      text: { type: 'plain_text', text: truncate(headline, LIMITS.header) },
    },
  ];
  if (warnings.length > 0) {
    blocks.push({
      type: 'section',
      block_id: 'warnings',
      text: {
        type: 'mrkdwn',
        text: safeLines(warnings.map((w) => `:warning: ${w}`).join('\n'), LIMITS.sectionText),
      },
    });
  }
  blocks.push({
    type: 'section',
    block_id: 'summary',
    text: {
      type: 'mrkdwn',
      text: `\`\`\`${codeText(body.join('\n'), LIMITS.sectionText - 6)}\`\`\``,
    },
  });
  return {
    text: truncate(`${headline} · Scout run ${summary.run_id.slice(0, 8)}`, LIMITS.fallbackText),
    blocks,
  };
}
