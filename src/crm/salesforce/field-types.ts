import type { FieldType, PropertyDef, PropertyValue } from '../../domain/values.js';
import type { DescribeField } from './wire.js';

/** An Opportunity field as Scout sees it: Scout's name and type, and Salesforce's API name. */
export interface MappedField {
  readonly api: string;
  readonly def: PropertyDef;
  /** Field-level security (and the field's nature) let the integration user edit it. */
  readonly updateable: boolean;
}

/**
 * Scout's name for a Salesforce field: the API name lower-cased, a custom field's `__c`
 * dropped (`Economic_Buyer__c` → `economic_buyer`, `CloseDate` → `closedate`), so a policy
 * reads the same on every CRM and `scout_economic_buyer` is `Scout_Economic_Buyer__c`.
 * Salesforce's API names are case-insensitive, so nothing is lost but the `__c`.
 */
export function scoutName(api: string): string {
  return api.toLowerCase().replace(/__c$/, '');
}

/** The custom field Salesforce should hold for Scout's `scout_economic_buyer`: `Scout_Economic_Buyer__c`. */
export function customFieldName(name: string): string {
  return `${name
    .split('_')
    .filter((s) => s !== '')
    .map((s) => (s[0] ?? '').toUpperCase() + s.slice(1))
    .join('_')}__c`;
}

/**
 * Salesforce's field types in Scout's terms; null for a type Scout does not fill (ids,
 * booleans, datetimes, lookups to anything but a user, compound fields, multi-select).
 */
export function toFieldType(f: DescribeField): FieldType | null {
  switch (f.type) {
    case 'string':
    case 'textarea':
    case 'email':
    case 'phone':
    case 'url':
    case 'combobox':
      return 'text';
    case 'picklist':
      return 'enum';
    case 'date':
      return 'date';
    case 'double':
    case 'currency':
    case 'percent':
    case 'int':
    case 'long':
      return 'number';
    case 'reference':
      return f.referenceTo?.length === 1 && f.referenceTo[0] === 'User' ? 'user' : null;
    default:
      return null;
  }
}

/** The describe's fields Scout can use, keyed by Scout's name; a standard field wins a name clash. */
export function mapFields(fields: readonly DescribeField[]): Map<string, MappedField> {
  const out = new Map<string, MappedField>();
  const ordered = [...fields].sort((a, b) => Number(a.custom === true) - Number(b.custom === true));
  for (const f of ordered) {
    const type = toFieldType(f);
    if (type === null) continue;
    let name = scoutName(f.name);
    if (out.has(name)) name = f.name.toLowerCase();
    const active = (f.picklistValues ?? []).filter((p) => p.active);
    const options = active.map((p) => p.value);
    const labels = Object.fromEntries(
      active.flatMap((p) => (p.label && p.label !== p.value ? [[p.value, p.label]] : [])),
    );
    out.set(name, {
      api: f.name,
      updateable: f.updateable,
      def: {
        name,
        label: f.label,
        type,
        ...(type === 'enum' ? { options } : {}),
        ...(type === 'enum' && Object.keys(labels).length > 0 ? { optionLabels: labels } : {}),
      },
    });
  }
  return out;
}

/** A value as Salesforce returned it, as Scout compares it. */
export function fromWire(type: FieldType, raw: unknown): PropertyValue {
  if (raw === null || raw === undefined || raw === '') return null;
  if (type === 'number') {
    const n = typeof raw === 'number' ? raw : Number(raw);
    return Number.isFinite(n) ? n : String(raw);
  }
  const s = String(raw);
  if (type === 'date') return /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : s;
  return s;
}

/** The Tooling API metadata for a new custom field holding a Scout value. */
export function customFieldMetadata(def: PropertyDef): Record<string, unknown> {
  const label = def.label.slice(0, 40);
  switch (def.type) {
    case 'text':
      return { label, type: 'LongTextArea', length: 32768, visibleLines: 3 };
    case 'number':
      return { label, type: 'Number', precision: 18, scale: 2 };
    case 'date':
      return { label, type: 'Date' };
    case 'enum':
      return {
        label,
        type: 'Picklist',
        valueSet: {
          restricted: true,
          valueSetDefinition: {
            sorted: false,
            value: (def.options ?? []).map((v) => ({ fullName: v, label: v, default: false })),
          },
        },
      };
    case 'user':
      return {
        label,
        type: 'Lookup',
        referenceTo: 'User',
        relationshipName: customFieldName(def.name).replace(/__c$/, '').slice(0, 40),
        deleteConstraint: 'SetNull',
      };
  }
}
