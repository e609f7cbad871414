import type { KnownBlock } from '@slack/types';
import type { PropertyValue } from '../../domain/values.js';
import { LIMITS, safe } from './text.js';

export const ACTION_UNDO_RUN = 'scout_undo_run';

/** Lines shown before "… and N more": the ops summary after the undo lists the rest. */
const SHOWN_CHANGES = 15;

export interface UndoRunConfirmInput {
  readonly runId: string;
  /** Each change the undo would revert: the deal, the field and the value it puts back. */
  readonly changes: ReadonlyArray<{
    readonly deal: string;
    readonly field: string;
    readonly wrote: PropertyValue;
    readonly restore: PropertyValue;
  }>;
  readonly alreadyUndone: number;
  readonly openProposals: number;
  /** Why the undo would not restore anything now (LIVE_WRITES off, paused), or null when it would. */
  readonly dryBecause: string | null;
}

const shown = (v: PropertyValue) => (v === null || v === '' ? '_empty_' : safe(String(v), 150));

/**
 * `/scout undo <run>`'s answer, before anything happens: what the undo would put back,
 * whether the write gates let it, and a button whose Slack confirmation dialog is the
 * last step. Pure; everything from the CRM is escaped here.
 */
export function undoRunConfirm(input: UndoRunConfirmInput): { text: string; blocks: KnownBlock[] } {
  const n = input.changes.length;
  const lines: string[] = [];
  let length = 0;
  for (const c of input.changes) {
    const line = `• ${safe(c.deal, 100)} · ${safe(c.field, 100)}: ${shown(c.wrote)} → back to ${shown(c.restore)}`;
    // Room is kept for the "… and N more" line.
    if (lines.length === SHOWN_CHANGES || length + line.length + 1 > LIMITS.sectionText - 30) break;
    lines.push(line);
    length += line.length + 1;
  }
  if (n > lines.length) lines.push(`… and ${n - lines.length} more`);
  const notes = [
    input.alreadyUndone > 0 ? `${input.alreadyUndone} change(s) were already undone.` : '',
    input.openProposals > 0
      ? `${input.openProposals} of the run's open proposal(s) will be expired, so they never write.`
      : '',
    'A field someone changed since Scout wrote it is left alone.',
  ].filter(Boolean);
  const gate = input.dryBecause
    ? `:construction: *DRY RUN*: ${safe(input.dryBecause, 500)} — the undo would only record what it would restore.`
    : ':warning: This restores the values in the CRM.';
  const title = `Undo run \`${safe(input.runId, 100)}\`: ${n} change${n === 1 ? '' : 's'} to put back`;
  return {
    text: title,
    blocks: [
      { type: 'section', block_id: 'undo_run', text: { type: 'mrkdwn', text: `*${title}*` } },
      ...(lines.length > 0
        ? [
            {
              type: 'section' as const,
              block_id: 'undo_run_changes',
              text: {
                type: 'mrkdwn' as const,
                text: lines.join('\n'),
              },
            },
          ]
        : []),
      {
        type: 'context',
        block_id: 'undo_run_notes',
        elements: [{ type: 'mrkdwn', text: [gate, ...notes].join(' ') }],
      },
      {
        type: 'actions',
        block_id: 'undo_run_confirm',
        elements: [
          {
            type: 'button',
            action_id: ACTION_UNDO_RUN,
            style: 'danger',
            text: { type: 'plain_text', text: 'Undo this run' },
            value: JSON.stringify({ r: input.runId }),
            confirm: {
              title: { type: 'plain_text', text: 'Undo this run?' },
              text: {
                type: 'plain_text',
                text: `Scout puts back the values from before run ${input.runId.slice(0, 8)} wrote them (${n} change${n === 1 ? '' : 's'}), where nobody has changed the field since.`,
              },
              confirm: { type: 'plain_text', text: 'Undo the run' },
              deny: { type: 'plain_text', text: 'Keep' },
              style: 'danger',
            },
          },
        ],
      },
    ],
  };
}
