import type { FieldType, PropertyDef, PropertyValue } from '../../domain/values.js';
import type { PropertyCreateRequest, WireProperty } from './wire.js';

type HubSpotProperty = Pick<WireProperty, 'name' | 'label' | 'type' | 'fieldType'> & {
  referencedObjectType?: string | undefined;
  options: ReadonlyArray<{ value: string; label?: string; hidden?: boolean | undefined }>;
};

/**
 * HubSpot's property types in Scout's terms. An enumeration that refers to owners is a
 * user; a checkbox is an enum of "true" / "false"; datetimes are compared as dates.
 */
export function toFieldType(
  p: Pick<HubSpotProperty, 'name' | 'type' | 'referencedObjectType'>,
): FieldType {
  if (p.referencedObjectType === 'OWNER' || p.name === 'hubspot_owner_id') return 'user';
  switch (p.type) {
    case 'number':
      return 'number';
    case 'date':
    case 'datetime':
      return 'date';
    case 'enumeration':
    case 'bool':
      return 'enum';
    default:
      return 'text';
  }
}

export function toPropertyDef(p: HubSpotProperty): PropertyDef {
  const type = toFieldType(p);
  const options =
    p.type === 'bool' && p.options.length === 0
      ? ['true', 'false']
      : p.options.filter((o) => o.hidden !== true).map((o) => o.value);
  const labels = Object.fromEntries(
    p.options.flatMap((o) => (o.label && o.label !== o.value ? [[o.value, o.label]] : [])),
  );
  return {
    name: p.name,
    label: p.label,
    type,
    ...(type === 'enum' ? { options } : {}),
    // Pipeline stages are ids ("appointmentscheduled", "1234567"); people read their labels.
    ...(type === 'enum' && Object.keys(labels).length > 0 ? { optionLabels: labels } : {}),
  };
}

/** The property HubSpot should create for a Scout field, in group `group`. */
export function toPropertyCreate(def: PropertyDef, group: string): PropertyCreateRequest {
  const common = { name: def.name, label: def.label, groupName: group };
  switch (def.type) {
    case 'number':
      return { ...common, type: 'number', fieldType: 'number' };
    case 'date':
      return { ...common, type: 'date', fieldType: 'date' };
    case 'enum':
      return {
        ...common,
        type: 'enumeration',
        fieldType: 'select',
        options: (def.options ?? []).map((value, i) => ({
          label: value,
          value,
          displayOrder: i,
          hidden: false,
        })),
      };
    case 'user':
      return {
        ...common,
        type: 'enumeration',
        fieldType: 'select',
        referencedObjectType: 'OWNER',
        externalOptions: true,
      };
    case 'text':
      return { ...common, type: 'string', fieldType: 'textarea' };
  }
}

/** A wire value (always a string, or null) as Scout compares it; "" is HubSpot's "not set". */
export function fromWire(type: FieldType, raw: string | null | undefined): PropertyValue {
  if (raw === null || raw === undefined || raw === '') return null;
  if (type === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (type === 'date') return /^\d{4}-\d{2}-\d{2}/.test(raw) ? raw.slice(0, 10) : raw;
  return raw;
}

/**
 * A value as HubSpot takes it: every property value is a string on the wire. A date bound
 * for a `datetime` property (a deal's close date) goes as midnight UTC, which `fromWire`
 * reads back as the same date.
 */
export function toWire(value: Exclude<PropertyValue, null>, datetime = false): string {
  if (typeof value === 'number') return String(value);
  return datetime ? `${value}T00:00:00.000Z` : value;
}
