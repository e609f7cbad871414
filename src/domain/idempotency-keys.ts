import type { PropertyValue } from './values.js';

/** A change written live, per note: the same finding from the same note is never written twice (docs/guarantees.md#g11). */
export function appliedKey(
  recordId: string,
  field: string,
  noteId: string | null,
  value: PropertyValue,
): string {
  return JSON.stringify([recordId, field, noteId, value]);
}

/** A value for a deal's field, whichever note it came from: a pending proposal, or Scout's own write. */
export function pendingKey(recordId: string, field: string, value: PropertyValue): string {
  return JSON.stringify([recordId, field, value]);
}
