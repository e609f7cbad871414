/** CRM property types Scout understands; every adapter maps its own types onto these. */
export const FIELD_TYPES = ['text', 'number', 'date', 'enum', 'user'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A property value as Scout stores and compares it: text, ISO date, option, user id, or a number. */
export type PropertyValue = string | number | null;

export interface PropertyDef {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  /** Allowed values of an `enum` property, in display order. */
  readonly options?: readonly string[];
  /** What people see for each option, where the CRM names them (HubSpot, Salesforce, a seed file). */
  readonly optionLabels?: Readonly<Record<string, string>>;
}

/**
 * Whether a stored value counts as "not filled in" for its type (docs/guarantees.md#g3).
 * Zero is a number, not emptiness; an enum value outside the options is a rep's
 * choice and counts as filled, so Scout never overrides it.
 */
export function isEmptyValue(type: FieldType, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  switch (type) {
    case 'text':
    case 'date':
    case 'enum':
    case 'user':
      return typeof value === 'string' ? value.trim() === '' : false;
    case 'number':
      if (typeof value === 'number') return !Number.isFinite(value);
      return typeof value === 'string' ? value.trim() === '' : false;
  }
}

/** Equality as a person would judge it: numbers by value, text ignoring surrounding whitespace. */
export function valuesEqual(type: FieldType, a: PropertyValue, b: PropertyValue): boolean {
  const aEmpty = isEmptyValue(type, a);
  const bEmpty = isEmptyValue(type, b);
  if (aEmpty || bEmpty) return aEmpty && bEmpty;
  if (type === 'number') return Number(a) === Number(b);
  return String(a).trim() === String(b).trim();
}

/** What every agent-owned property's name starts with (docs/guarantees.md#g2). */
export const AGENT_PREFIX = 'scout_';

/** The agent-owned suggestion property for a rep-owned field (docs/guarantees.md#g2). */
export function suggestionProperty(field: string): string {
  return `${AGENT_PREFIX}${field}`;
}
