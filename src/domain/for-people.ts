import type { NoteType } from './policy.js';
import type { FieldType, PropertyDef, PropertyValue } from './values.js';

/**
 * How Scout says things to people, in one place: cards, summaries, `/deal-summary`, App Home
 * and the digest all name a CRM user by name, a field by its label, a note by its kind in
 * words, an amount in its currency and a stage by its label. Plain text: each renderer
 * escapes for its medium.
 */

const NOTE_KINDS: Record<NoteType, string> = {
  call: 'a call',
  meeting: 'a meeting',
  email: 'an email',
  email_reply: 'an email reply',
  note: 'a note',
};

/** A note's kind as a person says it: "an email reply", "a meeting". */
export function noteKind(type: string | null | undefined): string {
  if (!type) return 'a note';
  if (Object.hasOwn(NOTE_KINDS, type)) return NOTE_KINDS[type as NoteType];
  const words = type.replace(/_/g, ' ').trim().toLowerCase();
  return `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words}`;
}

/** Where a value came from: "from an email reply of 2026-11-19". */
export function fromNote(type: string | null | undefined, date: Date | null | undefined): string {
  return `from ${noteKind(type)}${date ? ` of ${date.toISOString().slice(0, 10)}` : ''}`;
}

/** A CRM key as words, for a field or option with no label: `closed_won` → "Closed won". */
export function keyAsWords(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_\s]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0]?.toUpperCase() + words.slice(1) : key;
}

/** A field's name for people: the policy's label, else the CRM's, else its key as words. */
export function fieldLabel(
  name: string,
  policyLabel: string | undefined,
  def: Pick<PropertyDef, 'label'> | null | undefined,
): string {
  return policyLabel ?? (def?.label && def.label !== name ? def.label : keyAsWords(name));
}

/** Fields that hold money, by name: their numbers are shown as amounts. */
const MONEY = /(^|_)(amount|arr|acv|mrr|tcv|revenue)($|_)|amount$/i;

/** The currency a deal's amounts are in: the deal's own (HubSpot, Salesforce multi-currency), else the CRM's. */
export function dealCurrency(
  properties: Readonly<Record<string, PropertyValue>>,
  crmCurrency: string | undefined,
): string | undefined {
  const own = properties.deal_currency_code ?? properties.CurrencyIsoCode;
  return typeof own === 'string' && /^[A-Z]{3}$/.test(own) ? own : crmCurrency;
}

/** `{ currency }` for a deal's amounts (its own, else the CRM's), else nothing: to spread into a value's context. */
export function currencyOf(
  deal: { readonly properties: Readonly<Record<string, PropertyValue>> } | null,
  crmCurrency: string | undefined,
): { currency?: string } {
  const currency = deal ? dealCurrency(deal.properties, crmCurrency) : crmCurrency;
  return currency ? { currency } : {};
}

/** An amount as people read it: "$86,000" in its currency, or "86,000" when the currency is unknown. */
export function moneyText(value: number, currency: string | undefined): string {
  try {
    if (currency)
      return new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency,
        maximumFractionDigits: Number.isInteger(value) ? 0 : 2,
      }).format(value);
  } catch {
    // An unknown currency code is shown after the number below.
  }
  const n = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(value);
  return currency ? `${n} ${currency}` : n;
}

/** What `valueText` needs to know about the field and the CRM. */
export interface ValueContext {
  readonly field: string;
  readonly def?: Pick<PropertyDef, 'type' | 'optionLabels'> | null;
  /** CRM user id → name. */
  readonly users?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  readonly currency?: string;
}

/**
 * A value as people read it: a CRM user by name, an option by its label, money in its
 * currency, anything else as it is. Empty values are the caller's to show ("empty", "—").
 */
export function valueText(value: Exclude<PropertyValue, null>, ctx: ValueContext): string {
  const type = ctx.def?.type;
  if (type === 'user' && typeof value === 'string') {
    const users = ctx.users;
    const name =
      users instanceof Map ? users.get(value) : (users as Record<string, string>)?.[value];
    return name ?? value;
  }
  if (type === 'enum' && typeof value === 'string')
    return ctx.def?.optionLabels?.[value] ?? keyAsWords(value);
  // Some CRMs (HubSpot) send numbers as text.
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())
        ? Number(value)
        : Number.NaN;
  if (MONEY.test(ctx.field) && Number.isFinite(n)) return moneyText(n, ctx.currency);
  return String(value);
}

/** What showing any field's value needs from the CRM: each field's type and option labels, users' names, the deal's currency. */
export interface ValueSources {
  readonly defs: ReadonlyMap<string, Pick<PropertyDef, 'type' | 'optionLabels'>>;
  readonly users: ReadonlyMap<string, string>;
  readonly currency?: string;
}

/**
 * A field's value as people read it, by the field's CRM definition; `type` stands in when
 * the CRM does not describe the field (a deal's stage is an option even then).
 */
export function fieldValueText(
  field: string,
  value: Exclude<PropertyValue, null>,
  sources: ValueSources,
  type: FieldType = 'text',
): string {
  const def = sources.defs.get(field);
  return valueText(value, {
    field,
    def: {
      type: def?.type ?? type,
      ...(def?.optionLabels ? { optionLabels: def.optionLabels } : {}),
    },
    users: sources.users,
    ...(sources.currency ? { currency: sources.currency } : {}),
  });
}

/** Confidence as people read it: a word, the number, and a five-step bar ("high · 0.86 ▰▰▰▰▱"). */
export function confidenceText(confidence: number): string {
  const word = confidence >= 0.85 ? 'high' : confidence >= 0.65 ? 'medium' : 'low';
  const filled = Math.max(0, Math.min(5, Math.round(confidence * 5)));
  return `${word} · ${confidence.toFixed(2)} ${'▰'.repeat(filled)}${'▱'.repeat(5 - filled)}`;
}
