import type { KnownBlock } from '@slack/types';
import { confidenceText, fromNote, valueText } from '../../domain/for-people.js';
import { SCREEN_WARNING } from '../../domain/injection-screen.js';
import type { PropertyValue } from '../../domain/values.js';
import type { CardProposal } from '../../services/ports/notifier.js';
import { reasonSuffix, rejectReasonPicker } from './reject-reason.js';
import { blockQuote, LIMITS, safe } from './text.js';

export const ACTION_APPROVE = 'scout_approve';
export const ACTION_EDIT = 'scout_edit';
export const ACTION_REJECT = 'scout_reject';
export const ACTION_UNDO = 'scout_undo';

export function buttonValue(p: Pick<CardProposal, 'id' | 'version'>): string {
  return JSON.stringify({ p: p.id, v: p.version });
}

/** What rendering a value needs to know about its field: a user field names the person, an option its label. */
type ValueField = Pick<
  CardProposal,
  'fieldType' | 'userNames' | 'field' | 'optionLabels' | 'currency'
>;

/** A value as a person reads it (domain/for-people.ts). */
function readable(p: ValueField, value: PropertyValue): string {
  if (value === null) return '';
  return valueText(value, {
    field: p.field ?? '',
    def: { type: p.fieldType, ...(p.optionLabels ? { optionLabels: p.optionLabels } : {}) },
    ...(p.userNames ? { users: p.userNames } : {}),
    ...(p.currency ? { currency: p.currency } : {}),
  });
}

/** A value in a card field, cut so that with its heading ("*Proposed*" and a line break) it stays within 2000. */
export function show(p: ValueField, value: PropertyValue, max = LIMITS.field - 20): string {
  return value === null || value === '' ? '_empty_' : safe(readable(p, value), max);
}

/**
 * The value slot: what Scout proposes, or, once a person edited it, what they approved
 * with the proposal it replaced, so the large value is always the one that is (or will be) written.
 */
function proposedField(p: CardProposal): string {
  if (p.editedValue === null || p.editedValue === undefined)
    return `*Proposed*\n${show(p, p.newValue)}`;
  const half = Math.floor((LIMITS.field - 40) / 2);
  return `*Approved*\n${show(p, p.editedValue, half)} (edited from ${show(p, p.newValue, half)})`;
}

/**
 * A pending card that would replace a value someone entered says so first: moving a rep's
 * close date is not the same decision as filling an empty field.
 */
function overwriteWarning(p: CardProposal): KnownBlock[] {
  // The card's own notion of empty (what its Current slot shows as _empty_).
  if (p.status !== 'pending' || p.oldValue === null || p.oldValue === '') return [];
  return [
    {
      type: 'section',
      block_id: 'overwrite',
      text: {
        type: 'mrkdwn',
        text: `:warning: *Replaces your value* ${show(p, p.oldValue, 500)}: approving overwrites what is in the CRM now, it does not fill an empty field.`,
      },
    },
  ];
}

const DRY_RUN_BADGE =
  ':construction: *DRY RUN* — approving records what would be written; the CRM does not change';

/** A rehearsal card in the ops channel: what a live run would ask, of whom, with nothing to click. */
function previewBadge(preview: NonNullable<CardProposal['preview']>): string {
  const who = preview.ownerName ? safe(preview.ownerName, 200) : 'the deal owner';
  return `:construction: *DRY RUN preview* — in a live run ${who} gets this card with Approve, Edit and Reject. Preview only: no buttons, nobody is asked.`;
}

/**
 * One approval card: the deal and field, current and proposed values, the quote it
 * came from, and Approve / Edit… / Reject while it is pending; afterwards, the outcome
 * without buttons. Pure: everything user-supplied is escaped and cut here.
 */
export function approvalCard(p: CardProposal): { text: string; blocks: KnownBlock[] } {
  const deal = p.dealUrl
    ? `<${encodeURI(p.dealUrl)}|${safe(p.dealName, 200)}>`
    : `*${safe(p.dealName, 200)}*`;
  const blocks: KnownBlock[] = [];
  if (p.dryRun)
    blocks.push({
      type: 'section',
      block_id: 'dry_run',
      text: { type: 'mrkdwn', text: p.preview ? previewBadge(p.preview) : DRY_RUN_BADGE },
    });
  blocks.push(...overwriteWarning(p));
  blocks.push(
    {
      type: 'section',
      block_id: 'title',
      text: { type: 'mrkdwn', text: `${deal} · *${safe(p.fieldLabel, 200)}*` },
    },
    {
      type: 'section',
      block_id: 'values',
      fields: [
        { type: 'mrkdwn', text: `*Current*\n${show(p, p.oldValue)}` },
        { type: 'mrkdwn', text: proposedField(p) },
      ],
    },
    ...screenWarning(p),
    {
      type: 'section',
      block_id: 'quote',
      text: { type: 'mrkdwn', text: blockQuote(p.quote, LIMITS.sectionText) },
    },
    {
      type: 'context',
      block_id: 'source',
      elements: [
        {
          type: 'mrkdwn',
          text: safe(
            `${fromNote(p.noteType, p.noteDate)} · confidence ${confidenceText(p.confidence)} · run ${p.runId.slice(0, 8)}`,
            LIMITS.contextText,
          ),
        },
      ],
    },
  );
  if (p.status === 'pending' && !p.preview) {
    blocks.push({
      type: 'actions',
      block_id: 'decide',
      elements: [
        {
          type: 'button',
          action_id: ACTION_APPROVE,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: buttonValue(p),
        },
        {
          type: 'button',
          action_id: ACTION_EDIT,
          text: { type: 'plain_text', text: 'Edit…' },
          value: buttonValue(p),
        },
        {
          type: 'button',
          action_id: ACTION_REJECT,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
          value: buttonValue(p),
        },
      ],
    });
    if (!p.dryRun)
      blocks.push({
        type: 'context',
        block_id: 'live',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Approve writes this value to the CRM, unless the field changed since Scout read it.',
          },
        ],
      });
  } else if (p.status !== 'pending') {
    blocks.push({
      type: 'context',
      block_id: 'outcome',
      elements: [{ type: 'mrkdwn', text: outcomeLine(p) }],
    });
    if (p.status === 'rejected' && !p.rejectReason) blocks.push(rejectReasonPicker(p.id));
    if (p.undoNote)
      blocks.push({
        type: 'context',
        block_id: 'undo_outcome',
        elements: [
          {
            type: 'mrkdwn',
            text: `:leftwards_arrow_with_hook: Undo by <@${p.undoNote.by}> at ${p.undoNote.at.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${safe(p.undoNote.text, 2000)}`,
          },
        ],
      });
    // After an undo that restored nothing (a dry run, a failure) the button stays for a retry.
    if (p.undoable && p.status === 'applied' && !p.dryRun)
      blocks.push({
        type: 'actions',
        block_id: 'undo',
        elements: [
          {
            type: 'button',
            action_id: ACTION_UNDO,
            text: { type: 'plain_text', text: 'Undo' },
            value: buttonValue(p),
            confirm: {
              title: { type: 'plain_text', text: 'Undo this change?' },
              text: {
                type: 'mrkdwn',
                text: 'Scout puts back the value from before the approval, if nobody has changed the field since.',
              },
              confirm: { type: 'plain_text', text: 'Undo' },
              deny: { type: 'plain_text', text: 'Keep' },
            },
          },
        ],
      });
  }
  // The fallback text is mrkdwn too (notifications, previews): escaped like everything else.
  const text = safe(
    `${p.dryRun ? '[DRY RUN] ' : ''}${p.screened ? '[CHECK: reads like an instruction to an AI] ' : ''}Scout proposes ${p.fieldLabel} for ${p.dealName}: ${readable(p, p.newValue)}`,
    LIMITS.fallbackText,
  );
  return { text, blocks };
}

/** A replaced card points at its replacement; its own buttons are gone. */
function supersededLine(s: CardProposal['superseded']): string {
  const newer = s?.byLive ? 'the live card' : 'the newer card';
  const see = s?.link ? `<${encodeURI(s.link)}|${newer}>` : newer;
  return `:arrows_counterclockwise: Superseded — see ${see}. Nothing to decide here.`;
}

/** Before the quote, in plain words, when the injection screen flagged it. */
function screenWarning(p: CardProposal): KnownBlock[] {
  if (!p.screened) return [];
  return [
    {
      type: 'section',
      block_id: 'screen_warning',
      text: { type: 'mrkdwn', text: `:warning: *${SCREEN_WARNING}* Check it before approving.` },
    },
  ];
}

function outcomeLine(p: CardProposal): string {
  const who = p.decidedBy
    ? ` by <@${p.decidedBy}>${p.carried ? ' on the dry-run card (not asked again)' : ''}`
    : '';
  const when = p.decidedAt
    ? ` at ${p.decidedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`
    : '';
  // An edit is shown in the value slot (proposedField); the outcome says only that it was edited.
  const edited = p.editedValue !== null && p.editedValue !== undefined ? ' (edited)' : '';
  const why = p.outcome ? ` — ${safe(p.outcome, 1500)}` : '';
  switch (p.status) {
    case 'applied':
      return `:white_check_mark: Approved${who}${when}${edited} — written to the CRM`;
    case 'would_apply':
      return `:construction: Approved${who}${when}${edited} — DRY RUN, nothing was written${why}`;
    case 'approved':
    case 'edited':
      return `:hourglass_flowing_sand: Approved${who}${when}${edited} — writing…`;
    case 'rejected':
      return `:x: Rejected${who}${when}${reasonSuffix(p.rejectReason ?? null, p.rejectNote ?? null)}`;
    case 'stale':
      return `:warning: Not written: the CRM value changed since this card was posted${why}`;
    case 'expired':
      // An approval can expire too: an undo of its run stops it before its write.
      return p.decidedBy
        ? `:hourglass: Approved${who}${when}${edited} — ${p.outcome ? safe(p.outcome, 1500) : 'not written'}`
        : ':hourglass: Expired before anyone decided; nothing was written';
    case 'failed':
      return `:rotating_light: Approved${who}${when}, but the write failed${why}`;
    case 'superseded':
      return supersededLine(p.superseded);
    case 'pending':
      return '';
  }
}
