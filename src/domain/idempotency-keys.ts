import type { PropertyValue } from './values.js';

export function appliedKey(
  recordId: string,
  field: string,
  noteId: string | null,
  value: PropertyValue,
): string {
  return JSON.stringify([recordId, field, noteId, value]);
}

export function pendingKey(recordId: string, field: string, value: PropertyValue): string {
  return JSON.stringify([recordId, field, value]);
}
