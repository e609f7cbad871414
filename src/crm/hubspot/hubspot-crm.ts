import type { CrmPort } from '../../services/ports/crm.js';
import type { HubSpotHttp } from './hubspot-http.js';
import { createProperty, ensureGroup, groupExists, SCOUT_GROUP } from './hubspot-properties.js';
import { countDeals, listUsers, notesForDeals, pageDeals } from './hubspot-reads.js';
import { createHubSpotState, dealSchema } from './hubspot-state.js';
import { compareThenWrite } from './hubspot-writes.js';

export interface HubSpotCrm extends CrmPort {
  readonly kind: 'hubspot';
  apiCalls(): number;
}

/**
 * The CRM port over HubSpot's CRM API (deals, owners, properties, and the notes, calls,
 * meetings and emails associated with each deal). Reads and writes go in batches of at
 * most 100; writes are compare-then-write, serialised per deal within the process, and
 * verified by reading back, because HubSpot has no conditional update.
 */
export function createHubSpotCrm(http: HubSpotHttp): HubSpotCrm {
  const state = createHubSpotState(http);
  return {
    kind: 'hubspot',
    apiCalls: () => http.calls(),
    propertyGroup: {
      name: SCOUT_GROUP,
      exists: () => groupExists(state),
      create: () => ensureGroup(state),
    },
    listPropertyDefs: async () => [...(await dealSchema(state, true)).defs.values()],
    listUsers: () => listUsers(state),
    countDeals: (ids) => countDeals(state, ids),
    pageDeals: (options) => pageDeals(state, options),
    notesForDeals: (dealIds) => notesForDeals(state, dealIds),
    writeProperties: (writes) => compareThenWrite(state, writes, false),
    restoreProperties: (restores) => compareThenWrite(state, restores, true),
    createProperty: (def) => createProperty(state, def),
  };
}
