import type { KnownBlock, View } from '@slack/types';
import {
  REJECT_NOTE_MAX,
  REJECT_REASONS,
  rejectReasonLabel,
} from '../../domain/rejection-memory.js';
import { safe } from './text.js';

export const ACTION_REJECT_REASON = 'scout_reject_reason';
export const REJECT_OTHER_MODAL = 'scout_reject_other';
export const OTHER_BLOCK = 'other_reason';
export const OTHER_ACTION = 'text';

/** An option's value and a modal's metadata: the proposal and, for options, the reason code. */
export function reasonValue(proposalId: string, reason?: string): string {
  return JSON.stringify(reason === undefined ? { p: proposalId } : { p: proposalId, r: reason });
}

/**
 * Offered on a rejected card while no reason is recorded (docs/guarantees.md#g24): Reject stays one
 * click, and this optional choice comes after it.
 */
export function rejectReasonPicker(proposalId: string): KnownBlock {
  return {
    type: 'actions',
    block_id: 'reject_reason',
    elements: [
      {
        type: 'static_select',
        action_id: ACTION_REJECT_REASON,
        placeholder: { type: 'plain_text', text: 'Why? (optional)' },
        options: REJECT_REASONS.map((r) => ({
          text: { type: 'plain_text', text: r.label },
          value: reasonValue(proposalId, r.code),
        })),
      },
    ],
  };
}

/** " — reason: …" for a rejected card's outcome line, escaped here. */
export function reasonSuffix(reason: string | null, note: string | null): string {
  if (!reason) return '';
  const label = rejectReasonLabel(reason);
  return ` — reason: ${safe(note ? `${label}: ${note}` : label, 600)}`;
}

/** The "other" reason's words, asked in a modal. */
export function rejectOtherModal(proposalId: string): View {
  return {
    type: 'modal',
    callback_id: REJECT_OTHER_MODAL,
    private_metadata: reasonValue(proposalId),
    title: { type: 'plain_text', text: 'Why was it rejected?' },
    submit: { type: 'plain_text', text: 'Save reason' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: OTHER_BLOCK,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'plain_text_input',
          action_id: OTHER_ACTION,
          max_length: REJECT_NOTE_MAX,
        },
      },
    ],
  };
}
