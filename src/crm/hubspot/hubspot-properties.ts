import type { PropertyDef } from '../../domain/values.js';
import { HubSpotError } from './hubspot-errors.js';
import type { HubSpotState } from './hubspot-state.js';
import { toPropertyCreate, toPropertyDef } from './property-types.js';
import { type PropertyGroupCreateRequest, propertyGroupSchema, propertySchema } from './wire.js';

/** The property group every `scout_*` property lives in. */
export const SCOUT_GROUP = 'scout';

export async function groupExists(state: HubSpotState): Promise<boolean> {
  try {
    await state.http.send({
      method: 'GET',
      path: `/crm/v3/properties/deals/groups/${SCOUT_GROUP}`,
      idempotent: true,
      purpose: { action: `read the deal property group "${SCOUT_GROUP}"` },
      schema: propertyGroupSchema,
    });
    return true;
  } catch (error) {
    if (error instanceof HubSpotError && error.status === 404) return false;
    throw error;
  }
}

export async function ensureGroup(state: HubSpotState): Promise<'created' | 'exists'> {
  if (await groupExists(state)) return 'exists';
  const body: PropertyGroupCreateRequest = {
    name: SCOUT_GROUP,
    label: 'Scout',
    displayOrder: -1,
  };
  try {
    await state.http.send({
      method: 'POST',
      path: '/crm/v3/properties/deals/groups',
      body,
      idempotent: false,
      purpose: { action: `create the deal property group "${SCOUT_GROUP}"` },
      schema: propertyGroupSchema,
    });
    return 'created';
  } catch (error) {
    // A create is never sent twice: look whether it (or someone else's) landed instead.
    if (ambiguousOrConflict(error) && (await groupExists(state))) return 'created';
    throw error;
  }
}

/** Creates a deal property in Scout's group (ensured once per adapter); a created property drops the cached schema. */
export async function createProperty(
  state: HubSpotState,
  def: PropertyDef,
): Promise<'created' | 'exists'> {
  if (!state.groupReady) {
    const ensuring = ensureGroup(state).then(() => undefined);
    state.groupReady = ensuring;
    ensuring.catch(() => {
      if (state.groupReady === ensuring) state.groupReady = null;
    });
  }
  await state.groupReady;
  const existing = await readProperty(state, def.name);
  if (existing) return sameKind(existing, def);
  try {
    await state.http.send({
      method: 'POST',
      path: '/crm/v3/properties/deals',
      body: toPropertyCreate(def, SCOUT_GROUP),
      idempotent: false,
      purpose: { action: `create the deal property ${def.name}`, field: def.name },
      schema: propertySchema,
    });
    state.schemaCache = null;
    return 'created';
  } catch (error) {
    if (!ambiguousOrConflict(error)) throw error;
    // Never sent twice: whether it landed (or someone else made it) is read instead.
    const now = await readProperty(state, def.name);
    if (!now) throw error;
    state.schemaCache = null;
    sameKind(now, def);
    return error instanceof HubSpotError && error.status === 409 ? 'exists' : 'created';
  }
}

async function readProperty(state: HubSpotState, name: string): Promise<PropertyDef | null> {
  try {
    const { data } = await state.http.send({
      method: 'GET',
      path: `/crm/v3/properties/deals/${encodeURIComponent(name)}`,
      idempotent: true,
      purpose: { action: `read the deal property ${name}`, field: name },
      schema: propertySchema,
    });
    return toPropertyDef(data);
  } catch (error) {
    if (error instanceof HubSpotError && error.status === 404) return null;
    throw error;
  }
}

function sameKind(existing: PropertyDef, wanted: PropertyDef): 'exists' {
  if (existing.type !== wanted.type)
    throw new HubSpotError(
      409,
      'CONFLICT',
      undefined,
      `property ${wanted.name} exists in HubSpot as ${existing.type}, not ${wanted.type}; change or remove it by hand`,
    );
  return 'exists';
}

function ambiguousOrConflict(error: unknown): boolean {
  return (
    error instanceof HubSpotError &&
    (error.status === 0 || error.status >= 500 || error.status === 409)
  );
}
