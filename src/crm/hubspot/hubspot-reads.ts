import type { PropertyDef, PropertyValue } from '../../domain/values.js';
import type { CrmDeal, CrmNote, CrmReader, CrmUser, DealPage } from '../../services/ports/crm.js';
import {
  ENGAGEMENTS,
  type EngagementObject,
  engagementProperties,
  engagementText,
  noteTypeOf,
} from './engagements.js';
import { chunks, dealSchema, type HubSpotState } from './hubspot-state.js';
import { fromWire } from './property-types.js';
import {
  type AssociationsBatchRequest,
  associationsBatchSchema,
  associationsPageSchema,
  BATCH_LIMIT,
  type BatchReadRequest,
  batchObjectsSchema,
  LIST_LIMIT,
  objectPageSchema,
  ownersPageSchema,
  type SearchRequest,
  searchPageSchema,
  type WireObject,
} from './wire.js';

/** Longest comma-joined property list sent in a URL; longer lists go in a batch read's body. */
const MAX_INLINE_PROPERTIES = 3000;

/** Batch reads of at most 100; ids HubSpot does not know are left out (a 207 lists them). */
export async function readObjects(
  state: HubSpotState,
  object: 'deals' | EngagementObject,
  ids: readonly string[],
  properties: readonly string[],
  action: string,
): Promise<WireObject[]> {
  const out: WireObject[] = [];
  for (const chunk of chunks(ids, BATCH_LIMIT)) {
    const body: BatchReadRequest = {
      inputs: chunk.map((id) => ({ id })),
      properties: [...properties],
      propertiesWithHistory: [],
    };
    const { data } = await state.http.send({
      method: 'POST',
      path: `/crm/v3/objects/${object}/batch/read`,
      query: { archived: 'false' },
      body,
      idempotent: true,
      purpose: {
        action,
        ...(chunk.length === 1 && object === 'deals' ? { dealId: chunk[0] } : {}),
      },
      schema: batchObjectsSchema,
    });
    out.push(...data.results);
  }
  return out;
}

export async function listUsers(state: HubSpotState): Promise<CrmUser[]> {
  const users: CrmUser[] = [];
  let after: string | undefined;
  do {
    const { data } = await state.http.send({
      method: 'GET',
      path: '/crm/v3/owners',
      query: { limit: '100', archived: 'false', after },
      idempotent: true,
      purpose: { action: 'read the deal owners' },
      schema: ownersPageSchema,
    });
    for (const o of data.results) {
      const name = [o.firstName, o.lastName].filter(Boolean).join(' ').trim();
      users.push({
        id: o.id,
        name: name || o.email || o.id,
        email: o.email || null,
        slackUserId: null,
      });
    }
    after = data.paging?.next?.after;
  } while (after);
  return users;
}

export async function countDeals(
  state: HubSpotState,
  ids: readonly string[] | undefined,
): Promise<number> {
  if (ids)
    return (await readObjects(state, 'deals', ids, ['hs_object_id'], 'look up deals')).length;
  const body: SearchRequest = {
    limit: 1,
    properties: ['hs_object_id'],
    filterGroups: [],
    sorts: [],
  };
  const { data } = await state.http.send({
    method: 'POST',
    path: '/crm/v3/objects/deals/search',
    body,
    idempotent: true,
    search: true,
    purpose: { action: 'count the deals' },
    schema: searchPageSchema,
  });
  return data.total;
}

export async function pageDeals(
  state: HubSpotState,
  { cursor, limit, ids }: Parameters<CrmReader['pageDeals']>[0],
): Promise<DealPage> {
  const known = (await dealSchema(state)).defs;
  const properties = [...known.keys()];
  if (ids) {
    const start = cursor === null ? 0 : Number(cursor);
    const slice = ids.slice(start, start + limit);
    const found = await readObjects(state, 'deals', slice, properties, 'read deals');
    const byId = new Map(found.map((o) => [o.id, o]));
    return {
      deals: slice.flatMap((id) => {
        const o = byId.get(id);
        return o ? [toDeal(o, known)] : [];
      }),
      next: start + limit < ids.length ? String(start + limit) : null,
    };
  }
  // A portal with hundreds of properties would make the list's URL too long: then the
  // list gives ids only and a batch read (a POST body) gives the properties.
  const inline = properties.join(',').length <= MAX_INLINE_PROPERTIES;
  const deals: CrmDeal[] = [];
  let after = cursor ?? undefined;
  do {
    const { data } = await state.http.send({
      method: 'GET',
      path: '/crm/v3/objects/deals',
      query: {
        limit: String(Math.min(LIST_LIMIT, limit - deals.length)),
        after,
        archived: 'false',
        properties: inline ? properties.join(',') : 'hs_object_id',
      },
      idempotent: true,
      purpose: { action: 'read a page of deals' },
      schema: objectPageSchema,
    });
    let objects = data.results;
    if (!inline) {
      const ids = objects.map((o) => o.id);
      const full = new Map(
        (await readObjects(state, 'deals', ids, properties, 'read deals')).map((o) => [o.id, o]),
      );
      objects = ids.flatMap((id) => full.get(id) ?? []);
    }
    deals.push(...objects.map((o) => toDeal(o, known)));
    after = data.paging?.next?.after;
  } while (after && deals.length < limit);
  return { deals, next: after ?? null };
}

/** The notes, calls, meetings and emails of each deal, oldest first. */
export async function notesForDeals(
  state: HubSpotState,
  dealIds: readonly string[],
): Promise<Map<string, CrmNote[]>> {
  const byDeal = new Map<string, CrmNote[]>(dealIds.map((id) => [id, []]));
  if (dealIds.length === 0) return byDeal;
  await Promise.all(
    ENGAGEMENTS.map(async ({ object }) => {
      const links = await associated(state, object, dealIds);
      const ids = [...new Set([...links.values()].flat())];
      const found = await readObjects(
        state,
        object,
        ids,
        engagementProperties(object),
        `read ${object}`,
      );
      const byId = new Map(found.map((o) => [o.id, o]));
      for (const [dealId, noteIds] of links) {
        for (const id of noteIds) {
          const o = byId.get(id);
          if (!o) continue;
          const stamp = o.properties.hs_timestamp || o.createdAt;
          // HubSpot gives activity times as ISO strings, older records as epoch milliseconds.
          const at = /^\d+$/.test(stamp) ? Number(stamp) : stamp;
          byDeal.get(dealId)?.push({
            id,
            dealId,
            type: noteTypeOf(object, o.properties),
            createdAt: new Date(at),
            body: engagementText(object, o.properties),
          });
        }
      }
    }),
  );
  for (const notes of byDeal.values()) {
    notes.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.id, b.id));
  }
  return byDeal;
}

/** Which engagements of one kind belong to each deal, paging through deals with many. */
async function associated(
  state: HubSpotState,
  object: EngagementObject,
  dealIds: readonly string[],
): Promise<Map<string, string[]>> {
  const byDeal = new Map<string, string[]>();
  for (const chunk of chunks(dealIds, BATCH_LIMIT)) {
    const body: AssociationsBatchRequest = { inputs: chunk.map((id) => ({ id })) };
    const { data } = await state.http.send({
      method: 'POST',
      path: `/crm/v4/associations/deals/${object}/batch/read`,
      body,
      idempotent: true,
      purpose: { action: `read which ${object} belong to ${chunk.length} deals` },
      schema: associationsBatchSchema,
    });
    for (const r of data.results) {
      const ids = byDeal.get(r.from.id) ?? [];
      ids.push(...r.to.map((t) => String(t.toObjectId)));
      let after = r.paging?.next?.after;
      // A deal with more associations than one answer holds: page through it alone.
      while (after) {
        const page = await state.http.send({
          method: 'GET',
          path: `/crm/v4/objects/deals/${encodeURIComponent(r.from.id)}/associations/${object}`,
          query: { limit: '500', after },
          idempotent: true,
          purpose: { action: `read the ${object} of deal ${r.from.id}`, dealId: r.from.id },
          schema: associationsPageSchema,
        });
        ids.push(...page.data.results.map((t) => String(t.toObjectId)));
        after = page.data.paging?.next?.after;
      }
      byDeal.set(r.from.id, ids);
    }
  }
  return byDeal;
}

function toDeal(o: WireObject, known: Map<string, PropertyDef>): CrmDeal {
  const properties: Record<string, PropertyValue> = {};
  for (const [name, raw] of Object.entries(o.properties)) {
    const def = known.get(name);
    if (!def) continue;
    const value = fromWire(def.type, raw);
    if (value !== null) properties[name] = value;
  }
  return {
    id: o.id,
    name: o.properties.dealname ?? '',
    ownerId: o.properties.hubspot_owner_id || null,
    properties,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
