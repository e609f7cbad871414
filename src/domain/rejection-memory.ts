import { AGENT_PREFIX, type PropertyValue } from './values.js';

/** docs/guarantees.md#g24: the reasons a person may give after rejecting a proposal, in display order. */
export const REJECT_REASONS = [
  { code: 'wrong_value', label: 'wrong value' },
  { code: 'not_in_note', label: 'not what the note says' },
  { code: 'out_of_date', label: 'out of date' },
  { code: 'not_worth_tracking', label: 'not worth tracking' },
  { code: 'other', label: 'other' },
] as const;

/** The longest "other" reason kept. */
export const REJECT_NOTE_MAX = 500;

/** The reason a dismissed suggestion ("Not useful") is logged with. */
export const DISMISSED = 'dismissed';

export function rejectReasonLabel(code: string): string {
  return REJECT_REASONS.find((r) => r.code === code)?.label ?? code;
}

/** A person's earlier rejection (or dismissal) of a value: who, and when. */
export interface PriorRejection {
  readonly actor: string;
  readonly at: Date;
}

/**
 * A value as a person compares it when deciding "Scout proposed this again": numbers by
 * value; text after Unicode NFC, with runs of whitespace collapsed, trimmed, and case
 * folded ("Dana Whitfield (CFO)" and "dana  whitfield (cfo)" are one value).
 */
export function normalizedValue(value: PropertyValue): string | number | null {
  if (value === null) return null;
  if (typeof value === 'number') return value;
  return value.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * The memory key of a (deal, field, value). A dismissed suggestion is remembered under the
 * rep-owned field it would have filled, so its `scout_` twin and the field share one key.
 */
export function rejectionKey(recordId: string, field: string, value: PropertyValue): string {
  const repField = field.startsWith(AGENT_PREFIX) ? field.slice(AGENT_PREFIX.length) : field;
  return JSON.stringify([recordId, repField, normalizedValue(value)]);
}

/** The `skipped` row's reason for a finding a person already turned down. */
export function rejectedBeforeReason(prior: PriorRejection): string {
  return `rejected before: ${prior.actor} rejected this value at ${prior.at.toISOString()}; not proposed again`;
}
