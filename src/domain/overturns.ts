import type { FieldType, PropertyValue } from './values.js';
import { AGENT_PREFIX, valuesEqual } from './values.js';

/** Scout's newest change to one deal field: a live write, an approved apply, an undo, or an overturn already logged. */
export interface LatestScoutChange {
  readonly id: number;
  readonly recordId: string;
  readonly field: string;
  readonly action: string;
  readonly value: PropertyValue;
  readonly confidence: number | null;
}

export interface Overturn {
  readonly change: LatestScoutChange;
  readonly repValue: PropertyValue;
}

/**
 * The rep-owned fields whose value a rep changed after Scout last wrote them (docs/guarantees.md#g26).
 * Only a live `written` or `applied` row counts as Scout's value: when the newest row
 * is an undo, Scout itself changed the field since; when it is an `overturned` row, the
 * overturn is already logged, once per write. Scout's own scout_* suggestions are the
 * rep's to promote or clear, so clearing one overturns nothing. A property the CRM did
 * not return reads as empty, as it does when a run judges the deal.
 */
export function findOverturns(
  latest: readonly LatestScoutChange[],
  deals: ReadonlyMap<string, Readonly<Record<string, PropertyValue>>>,
  typeOf: (field: string) => FieldType,
): Overturn[] {
  const found: Overturn[] = [];
  for (const change of latest) {
    if (change.action !== 'written' && change.action !== 'applied') continue;
    if (change.field.startsWith(AGENT_PREFIX)) continue;
    const properties = deals.get(change.recordId);
    if (!properties) continue;
    const repValue = properties[change.field] ?? null;
    if (!valuesEqual(typeOf(change.field), repValue, change.value))
      found.push({ change, repValue });
  }
  return found;
}
