import type { Policy } from '../domain/policy.js';
import { type PropertyDef, suggestionProperty } from '../domain/values.js';
import { resolveWriteGates, type WriteGates } from '../domain/write-gates.js';
import type { CrmPort } from './ports/crm.js';

export type FieldSetupStatus =
  | 'created'
  | 'would_create'
  | 'exists'
  | 'type_mismatch'
  | 'rep_field_missing';

export interface FieldSetupRow {
  readonly field: string;
  readonly property: string;
  readonly type: string;
  readonly status: FieldSetupStatus;
  readonly detail: string;
}

export interface FieldSetupReport {
  readonly locks: WriteGates;
  readonly rows: readonly FieldSetupRow[];
}

/**
 * Creates one `scout_<field>` property per `suggest` field of the policy, with the rep
 * field's type and options. A dry run unless the write gates are open; re-running is a no-op.
 */
export async function setupFields(
  deps: {
    crm: CrmPort;
    policy: Policy;
    liveWrites: string | undefined;
    isPaused: () => Promise<boolean>;
  },
  options: { apply: boolean },
): Promise<FieldSetupReport> {
  const gates = resolveWriteGates({
    applyRequested: options.apply,
    liveWritesEnv: deps.liveWrites,
    paused: await deps.isPaused(),
  });
  const defs = new Map((await deps.crm.listPropertyDefs()).map((d) => [d.name, d]));
  const rows: FieldSetupRow[] = [];
  const group = deps.crm.propertyGroup;
  if (group) {
    // HubSpot files properties in groups: the scout_* ones go in a group of their own.
    const exists = await group.exists();
    const status: FieldSetupStatus = exists
      ? 'exists'
      : gates.open
        ? await group.create()
        : 'would_create';
    rows.push({
      field: '(group)',
      property: group.name,
      type: 'group',
      status,
      detail: exists ? 'already there' : gates.open ? '' : 'dry run',
    });
  }
  for (const field of deps.policy.dealFields.values()) {
    if (field.write !== 'suggest') continue;
    const property = suggestionProperty(field.name);
    const rep = defs.get(field.name);
    if (!rep) {
      rows.push({
        field: field.name,
        property,
        type: '?',
        status: 'rep_field_missing',
        detail: `${field.name} is not defined in the CRM`,
      });
      continue;
    }
    const existing = defs.get(property);
    if (existing) {
      const same = existing.type === rep.type;
      rows.push({
        field: field.name,
        property,
        type: rep.type,
        status: same ? 'exists' : 'type_mismatch',
        detail: same
          ? 'already there'
          : `exists as ${existing.type}; expected ${rep.type} — fix it by hand`,
      });
      continue;
    }
    const def: PropertyDef = {
      name: property,
      label: `Scout: ${field.label ?? rep.label}`,
      type: rep.type,
      ...(rep.options ? { options: rep.options } : {}),
    };
    if (!gates.open) {
      rows.push({
        field: field.name,
        property,
        type: rep.type,
        status: 'would_create',
        detail: 'dry run',
      });
      continue;
    }
    const outcome = await deps.crm.createProperty(def);
    rows.push({
      field: field.name,
      property,
      type: rep.type,
      status: outcome === 'created' ? 'created' : 'exists',
      detail: '',
    });
  }
  return { locks: gates, rows };
}
