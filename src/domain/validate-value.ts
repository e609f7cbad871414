import type { FieldPolicy } from './policy.js';
import type { FieldType, PropertyValue } from './values.js';

/** What validation needs to know about the target field (docs/guarantees.md#g6). */
export interface ValueRules {
  readonly type: FieldType;
  readonly options?: readonly string[];
  readonly maxLength?: number;
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/**
 * A field's rules: its type and options from the CRM, its limits from the policy. Model
 * findings and a person's edits are checked against the same rules.
 */
export function valueRules(
  def: { readonly type: FieldType; readonly options?: readonly string[] | undefined } | undefined,
  field: Pick<FieldPolicy, 'maxLength' | 'min' | 'max' | 'integer'> | undefined,
): ValueRules {
  return {
    type: def?.type ?? 'text',
    ...(def?.options ? { options: def.options } : {}),
    ...(field?.maxLength !== undefined ? { maxLength: field.maxLength } : {}),
    ...(field?.min !== undefined ? { min: field.min } : {}),
    ...(field?.max !== undefined ? { max: field.max } : {}),
    ...(field?.integer ? { integer: true } : {}),
  };
}

export interface ValidationContext {
  readonly userIds: ReadonlySet<string>;
  readonly now: Date;
}

export type ValidatedValue =
  | { ok: true; value: Exclude<PropertyValue, null> }
  | { ok: false; reason: string };

export const DEFAULT_MAX_LENGTH = 1000;
/** Dates further than this from today are implausible for a deal (typos like 2206, or 1926). */
export const DATE_WINDOW_YEARS = 10;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NUMBER_TEXT = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;
// Control characters other than tab and newline have no place in a CRM field.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F]/u;

function describe(raw: unknown): string {
  if (typeof raw === 'string')
    return raw.length > 40 ? `${JSON.stringify(raw.slice(0, 40))}…` : JSON.stringify(raw);
  return String(raw);
}

/**
 * Checks a proposed value against its field's type and returns it in canonical form.
 * Empty and whitespace-only values are refused: the agent never clears a field.
 */
export function validateValue(
  rules: ValueRules,
  raw: unknown,
  ctx: ValidationContext,
): ValidatedValue {
  if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '')) {
    return { ok: false, reason: 'empty value: the agent never clears a field' };
  }
  switch (rules.type) {
    case 'text':
      return validateText(rules, raw);
    case 'number':
      return validateNumber(rules, raw);
    case 'date':
      return validateDate(raw, ctx.now);
    case 'enum':
      return validateEnum(rules, raw);
    case 'user':
      return validateUser(raw, ctx.userIds);
  }
}

function validateText(rules: ValueRules, raw: unknown): ValidatedValue {
  if (typeof raw !== 'string') return { ok: false, reason: `expected text, got ${typeof raw}` };
  const value = raw.trim();
  const max = rules.maxLength ?? DEFAULT_MAX_LENGTH;
  const length = [...value].length;
  if (length > max)
    return { ok: false, reason: `text is ${length} characters, over the field's limit of ${max}` };
  if (CONTROL.test(value)) return { ok: false, reason: 'text contains control characters' };
  return { ok: true, value };
}

function validateNumber(rules: ValueRules, raw: unknown): ValidatedValue {
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && NUMBER_TEXT.test(raw.trim())) value = Number(raw.trim());
  else return { ok: false, reason: `expected a number, got ${describe(raw)}` };
  if (!Number.isFinite(value))
    return { ok: false, reason: `expected a finite number, got ${describe(raw)}` };
  if (rules.integer && !Number.isInteger(value))
    return { ok: false, reason: `${value} is not a whole number` };
  if (rules.min !== undefined && value < rules.min)
    return { ok: false, reason: `${value} is below the field's minimum of ${rules.min}` };
  if (rules.max !== undefined && value > rules.max)
    return { ok: false, reason: `${value} is above the field's maximum of ${rules.max}` };
  return { ok: true, value };
}

function validateDate(raw: unknown, now: Date): ValidatedValue {
  if (typeof raw !== 'string')
    return { ok: false, reason: `expected an ISO date (YYYY-MM-DD), got ${describe(raw)}` };
  const match = ISO_DATE.exec(raw.trim());
  if (!match)
    return { ok: false, reason: `expected an ISO date (YYYY-MM-DD), got ${describe(raw)}` };
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { ok: false, reason: `${raw} is not a calendar date` };
  }
  const year = now.getUTCFullYear();
  const earliest = Date.UTC(year - DATE_WINDOW_YEARS, now.getUTCMonth(), now.getUTCDate());
  const latest = Date.UTC(year + DATE_WINDOW_YEARS, now.getUTCMonth(), now.getUTCDate());
  if (date.getTime() < earliest || date.getTime() > latest) {
    return { ok: false, reason: `${raw} is more than ${DATE_WINDOW_YEARS} years from today` };
  }
  return { ok: true, value: raw.trim() };
}

function validateEnum(rules: ValueRules, raw: unknown): ValidatedValue {
  const options = rules.options ?? [];
  if (typeof raw !== 'string' || !options.includes(raw)) {
    return {
      ok: false,
      reason: `${describe(raw)} is not one of the options (${options.join(', ')})`,
    };
  }
  return { ok: true, value: raw };
}

function validateUser(raw: unknown, userIds: ReadonlySet<string>): ValidatedValue {
  if (typeof raw !== 'string' || !userIds.has(raw.trim())) {
    return { ok: false, reason: `${describe(raw)} is not a user in the CRM` };
  }
  return { ok: true, value: raw.trim() };
}
