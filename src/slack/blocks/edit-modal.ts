import type { KnownBlock, View } from '@slack/types';
import type { FieldType, PropertyValue } from '../../domain/values.js';
import { buttonValue } from './approval-card.js';
import { blockQuote, LIMITS, plain, safe } from './text.js';

export const EDIT_MODAL = 'scout_edit_modal';
export const VALUE_BLOCK = 'value';
export const VALUE_ACTION = 'value';
const MAX_OPTIONS = 100;

export interface EditModalInput {
  readonly proposal: { id: string; version: number };
  readonly dealName: string;
  readonly fieldLabel: string;
  readonly fieldType: FieldType;
  readonly options?: readonly string[];
  readonly maxLength?: number;
  /** A number field's policy rules: the form states them and Slack's input enforces them too. */
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** The evidence the proposal came from, shown above the input so the edit is made against it. */
  readonly quote?: string;
  readonly proposedValue: PropertyValue;
  /** For user fields: the Slack user matching the proposed CRM user, if any. */
  readonly proposedSlackUser?: string | null;
}

/**
 * The Edit… modal: the deal and field, the quote the proposal came from, and the right
 * input for the field type, prefilled with the proposed value.
 */
export function editModal(input: EditModalInput): View {
  const value = input.proposedValue === null ? '' : String(input.proposedValue);
  return {
    type: 'modal',
    callback_id: EDIT_MODAL,
    private_metadata: buttonValue(input.proposal),
    title: { type: 'plain_text', text: 'Edit proposal' },
    submit: { type: 'plain_text', text: 'Approve' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        block_id: 'what',
        text: {
          type: 'mrkdwn',
          text: `*${safe(input.dealName, 500)}* · ${safe(input.fieldLabel, 200)}`,
        },
      },
      ...quoteBlock(input.quote),
      inputBlock(input, value),
    ],
  };
}

function quoteBlock(quote: string | undefined): KnownBlock[] {
  if (!quote) return [];
  return [
    {
      type: 'context',
      block_id: 'quote',
      elements: [{ type: 'mrkdwn', text: blockQuote(quote, LIMITS.contextText) }],
    },
  ];
}

function inputBlock(input: EditModalInput, value: string): KnownBlock {
  const label = { type: 'plain_text' as const, text: plain(input.fieldLabel, 2000) };
  const base = { type: 'input' as const, block_id: VALUE_BLOCK, label };
  switch (input.fieldType) {
    case 'number':
      return {
        ...base,
        element: {
          type: 'number_input',
          action_id: VALUE_ACTION,
          is_decimal_allowed: !input.integer,
          ...(value ? { initial_value: value } : {}),
          ...(input.min !== undefined ? { min_value: String(input.min) } : {}),
          ...(input.max !== undefined ? { max_value: String(input.max) } : {}),
        },
      };
    case 'date':
      return {
        ...base,
        element: {
          type: 'datepicker',
          action_id: VALUE_ACTION,
          ...(/^\d{4}-\d{2}-\d{2}$/.test(value) ? { initial_date: value } : {}),
        },
      };
    case 'enum': {
      const options = (input.options ?? []).slice(0, MAX_OPTIONS).map((o) => ({
        text: { type: 'plain_text' as const, text: plain(o, LIMITS.optionText) },
        value: o.slice(0, LIMITS.optionValue),
      }));
      const initial = options.find((o) => o.value === value);
      return {
        ...base,
        element: {
          type: 'static_select',
          action_id: VALUE_ACTION,
          options,
          ...(initial ? { initial_option: initial } : {}),
        },
      };
    }
    case 'user':
      return {
        ...base,
        element: {
          type: 'users_select',
          action_id: VALUE_ACTION,
          ...(input.proposedSlackUser ? { initial_user: input.proposedSlackUser } : {}),
        },
      };
    case 'text':
      return {
        ...base,
        element: {
          type: 'plain_text_input',
          action_id: VALUE_ACTION,
          multiline: (input.maxLength ?? 1000) > 150,
          max_length: Math.min(input.maxLength ?? 1000, 3000),
          ...(value ? { initial_value: value.slice(0, 3000) } : {}),
        },
      };
  }
}

/** Reads the submitted value out of a view's state, whatever the input type. */
export function submittedValue(
  state: Record<string, Record<string, Record<string, unknown>>> | undefined,
): string | null {
  const v = state?.[VALUE_BLOCK]?.[VALUE_ACTION];
  if (!v) return null;
  const pick =
    v.value ??
    v.selected_date ??
    (v.selected_option as { value?: string } | undefined)?.value ??
    v.selected_user;
  return typeof pick === 'string' ? pick : null;
}
