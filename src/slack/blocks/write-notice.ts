import type { KnownBlock } from '@slack/types';
import { fromNote } from '../../domain/for-people.js';
import type { FieldType, PropertyValue } from '../../domain/values.js';
import { ACTION_UNDO, show } from './approval-card.js';
import { blockQuote, inlineCode, LIMITS, safe } from './text.js';

/** What became of an Undo of one write, from its latest undo row. */
export interface WriteUndo {
  readonly action: 'undone' | 'would_undo' | 'conflict' | 'failed';
  /** The row's actor: `slack:<user id>` (from a signed payload) or `cli`. */
  readonly actor: string;
  readonly at: Date;
  readonly reason: string | null;
}

/** One change Scout wrote without a person, as the notice lists it. */
export interface WrittenLine {
  /** The provenance row of the write: what its Undo reverts. */
  readonly changeId: number;
  readonly label: string;
  readonly fieldType: FieldType;
  /** For a user field: CRM user id → name. */
  readonly userNames?: Readonly<Record<string, string>>;
  readonly oldValue: PropertyValue;
  readonly newValue: PropertyValue;
  readonly quote: string | null;
  readonly noteType: string | null;
  readonly noteDate: Date | null;
  readonly undo: WriteUndo | null;
}

/** Lines shown in one message (three blocks each, and the intro), within Slack's 50 blocks. */
const MAX_LINES = 15;

/** The button value of a write's Undo: the change (a provenance row id), never who may press it. */
export function changeButtonValue(changeId: number): string {
  return JSON.stringify({ c: changeId });
}

const when = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Who undid: a Slack user from a signed payload as a mention, anyone else as ops. */
function who(actor: string): string {
  const user = /^slack:([UW][A-Z0-9]{1,20})$/.exec(actor)?.[1];
  return user ? `<@${user}>` : 'ops (`scout undo`)';
}

/** An undo that settled the line (restored, or left alone) takes its button away. */
export function undoSettledLine(undo: WriteUndo | null): boolean {
  return undo?.action === 'undone' || undo?.action === 'conflict';
}

function undoText(line: WrittenLine, undo: WriteUndo): string {
  const by = `${who(undo.actor)} at ${when(undo.at)}`;
  switch (undo.action) {
    case 'undone':
      return `:leftwards_arrow_with_hook: *Undone* by ${by}: ${show(line, line.oldValue, 300)} is back`;
    case 'conflict':
      return `:leftwards_arrow_with_hook: Undo by ${by} left it alone: the field was changed after Scout wrote it`;
    case 'would_undo':
      return `:construction: Undo by ${by} was a DRY RUN, nothing was restored${undo.reason ? ` (${safe(undo.reason, 300)})` : ''}. Press Undo again once the locks are open`;
    case 'failed':
      return `:rotating_light: Undo by ${by} failed, nothing was restored${undo.reason ? `: ${safe(undo.reason, 300)}` : ''}. Press Undo to try again`;
  }
}

function lineBlocks(line: WrittenLine, n: number): KnownBlock[] {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: `write_${n}`,
      text: {
        type: 'mrkdwn',
        text: `*${safe(line.label, 200)}*: ${show(line, line.oldValue, 500)} → ${show(line, line.newValue, 500)}${line.quote ? `\n${blockQuote(line.quote, 1500)}` : ''}`,
      },
    },
    {
      type: 'context',
      block_id: `write_${n}_source`,
      elements: [
        {
          type: 'mrkdwn',
          text: line.undo
            ? undoText(line, line.undo)
            : safe(`${fromNote(line.noteType, line.noteDate)} · written by Scout`, 300),
        },
      ],
    },
  ];
  if (!undoSettledLine(line.undo))
    blocks.push({
      type: 'actions',
      block_id: `write_${n}_undo`,
      elements: [
        {
          type: 'button',
          action_id: ACTION_UNDO,
          text: { type: 'plain_text', text: 'Undo' },
          value: changeButtonValue(line.changeId),
          confirm: {
            title: { type: 'plain_text', text: 'Undo this change?' },
            text: {
              type: 'mrkdwn',
              text: `Scout puts back ${show(line, line.oldValue, 120)} in ${safe(line.label, 60)}, if nobody has changed the field since.`,
            },
            confirm: { type: 'plain_text', text: 'Undo' },
            deny: { type: 'plain_text', text: 'Keep' },
          },
        },
      ],
    });
  return blocks;
}

/**
 * Issue 18, "word of every write": one message per deal and run, in the deal's thread,
 * listing what Scout wrote to the CRM without a person (field, old → new, the quote and
 * where it came from), each with an Undo that asks first. Pure: everything from a note,
 * a model or the CRM is escaped and cut here.
 */
export function writeNoticeMessage(m: {
  dealName: string;
  runId: string;
  lines: readonly WrittenLine[];
}): { text: string; blocks: KnownBlock[] } {
  const count = m.lines.length;
  const changes = `${count} change${count === 1 ? '' : 's'}`;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: 'write_intro',
      text: {
        type: 'mrkdwn',
        text: `:pencil2: Scout wrote *${changes}* to *${safe(m.dealName, 200)}* in the CRM, without asking anyone. Undo puts the old value back.`,
      },
    },
  ];
  m.lines.slice(0, MAX_LINES).forEach((line, n) => {
    blocks.push(...lineBlocks(line, n));
  });
  if (count > MAX_LINES)
    blocks.push({
      type: 'context',
      block_id: 'write_more',
      elements: [
        {
          type: 'mrkdwn',
          text: `${count - MAX_LINES} more not shown here; ops can see them with ${inlineCode(`scout log --run ${m.runId}`, 150)}.`,
        },
      ],
    });
  return {
    text: safe(`Scout wrote ${changes} to ${m.dealName} in the CRM`, LIMITS.fallbackText),
    blocks,
  };
}
