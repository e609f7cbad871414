import { createKeyedMutex } from '../../concurrency/keyed-mutex.js';
import type { PropertyDef } from '../../domain/values.js';
import type { HubSpotHttp } from './hubspot-http.js';
import { toPropertyDef } from './property-types.js';
import { propertiesSchema } from './wire.js';

/** The deal properties as Scout sees them, and which of them HubSpot keeps as a datetime. */
export interface DealSchema {
  readonly defs: Map<string, PropertyDef>;
  readonly datetimes: ReadonlySet<string>;
}

/**
 * What one HubSpot adapter holds between calls, shared by its reads, writes and property
 * setup: the HTTP client (with its request budget and call counter), the cached deal
 * schema, the property group once ensured, and the per-deal write serialisation.
 */
export interface HubSpotState {
  readonly http: HubSpotHttp;
  /** The deal schema being read or read; null until first needed and after a property is created. */
  schemaCache: Promise<DealSchema> | null;
  /** The `scout` property group being ensured or ensured; null until the first property create. */
  groupReady: Promise<void> | null;
  /** Serialises compare-then-writes on the same deal within the process. */
  readonly dealLocks: ReturnType<typeof createKeyedMutex>;
}

export function createHubSpotState(http: HubSpotHttp): HubSpotState {
  return { http, schemaCache: null, groupReady: null, dealLocks: createKeyedMutex() };
}

/** The deal schema, read once and shared; `refresh` reads it again. A failed read is not kept. */
export function dealSchema(state: HubSpotState, refresh = false): Promise<DealSchema> {
  if (refresh || state.schemaCache === null) {
    const loading = fetchSchema(state.http);
    state.schemaCache = loading;
    loading.catch(() => {
      if (state.schemaCache === loading) state.schemaCache = null;
    });
  }
  return state.schemaCache;
}

async function fetchSchema(http: HubSpotHttp): Promise<DealSchema> {
  const { data } = await http.send({
    method: 'GET',
    path: '/crm/v3/properties/deals',
    query: { archived: 'false' },
    idempotent: true,
    purpose: { action: 'read the deal property definitions' },
    schema: propertiesSchema,
  });
  const live = data.results.filter((p) => p.archived !== true);
  return {
    defs: new Map(live.map((p) => [p.name, toPropertyDef(p)])),
    datetimes: new Set(live.filter((p) => p.type === 'datetime').map((p) => p.name)),
  };
}

/** Items in runs of at most `size` (HubSpot's batch endpoints take 100). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
