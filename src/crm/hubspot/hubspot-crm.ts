import type { z } from 'zod';
import type { FieldType, PropertyDef, PropertyValue } from '../../domain/values.js';
import type {
  CrmDeal,
  CrmNote,
  CrmPort,
  CrmUser,
  DealPage,
  PropertyRestore,
  WriteResult,
} from '../../services/ports/crm.js';
import {
  ENGAGEMENTS,
  type EngagementObject,
  engagementProperties,
  engagementText,
  noteTypeOf,
} from './engagements.js';
import { HubSpotError } from './hubspot-errors.js';
import type { HubSpotHttp, HubSpotRequest } from './hubspot-http.js';
import { createKeyedMutex } from './keyed-mutex.js';
import { fromWire, toPropertyCreate, toPropertyDef, toWire } from './property-types.js';
import {
  type AssociationsBatchRequest,
  associationsBatchSchema,
  associationsPageSchema,
  BATCH_LIMIT,
  type BatchReadRequest,
  type BatchUpdateRequest,
  batchObjectsSchema,
  LIST_LIMIT,
  objectPageSchema,
  objectSchema,
  ownersPageSchema,
  type PropertyGroupCreateRequest,
  propertiesSchema,
  propertyGroupSchema,
  propertySchema,
  type SearchRequest,
  searchPageSchema,
  type WireObject,
} from './wire.js';

/** Longest comma-joined property list sent in a URL; longer lists go in a batch read's body. */
const MAX_INLINE_PROPERTIES = 3000;

/** The property group every `scout_*` property lives in. */
export const SCOUT_GROUP = 'scout';

/** The deal properties as Scout sees them, and which of them HubSpot keeps as a datetime. */
interface DealSchema {
  readonly defs: Map<string, PropertyDef>;
  readonly datetimes: ReadonlySet<string>;
}

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
  let schemaCache: Promise<DealSchema> | null = null;
  const dealLocks = createKeyedMutex();
  let groupReady: Promise<void> | null = null;

  const fetchSchema = async (): Promise<DealSchema> => {
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
  };
  const schema = (refresh = false): Promise<DealSchema> => {
    if (refresh || schemaCache === null) {
      const loading = fetchSchema();
      schemaCache = loading;
      loading.catch(() => {
        if (schemaCache === loading) schemaCache = null;
      });
    }
    return schemaCache;
  };
  const defs = async (refresh = false) => (await schema(refresh)).defs;

  const toDeal = (o: WireObject, known: Map<string, PropertyDef>): CrmDeal => {
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
  };

  /** Batch reads of at most 100; ids HubSpot does not know are left out (a 207 lists them). */
  const readObjects = async (
    object: 'deals' | EngagementObject,
    ids: readonly string[],
    properties: readonly string[],
    action: string,
  ): Promise<WireObject[]> => {
    const out: WireObject[] = [];
    for (const chunk of chunks(ids, BATCH_LIMIT)) {
      const body: BatchReadRequest = {
        inputs: chunk.map((id) => ({ id })),
        properties: [...properties],
        propertiesWithHistory: [],
      };
      const { data } = await http.send({
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
  };

  const associated = async (
    object: EngagementObject,
    dealIds: readonly string[],
  ): Promise<Map<string, string[]>> => {
    const byDeal = new Map<string, string[]>();
    for (const chunk of chunks(dealIds, BATCH_LIMIT)) {
      const body: AssociationsBatchRequest = { inputs: chunk.map((id) => ({ id })) };
      const { data } = await http.send({
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
          const page = await http.send({
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
  };

  const ensureGroup = async (): Promise<'created' | 'exists'> => {
    if (await groupExists()) return 'exists';
    const body: PropertyGroupCreateRequest = {
      name: SCOUT_GROUP,
      label: 'Scout',
      displayOrder: -1,
    };
    try {
      await http.send({
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
      if (ambiguousOrConflict(error) && (await groupExists())) return 'created';
      throw error;
    }
  };
  const groupExists = async (): Promise<boolean> => {
    try {
      await http.send({
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
  };
  const readProperty = async (name: string): Promise<PropertyDef | null> => {
    try {
      const { data } = await http.send({
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
  };

  /**
   * Compare-then-write for a batch of writes. `clearing` (undo only) lets a null value
   * through, sent as the empty string that clears a HubSpot property; writes never may.
   */
  const compareThenWrite = async (
    writes: readonly PropertyRestore[],
    clearing: boolean,
  ): Promise<WriteResult[]> => {
    const results: Array<WriteResult | undefined> = writes.map(() => undefined);
    if (writes.length === 0) return [];
    let { defs: known, datetimes } = await schema();
    if (writes.some((w) => !known.has(w.property)))
      ({ defs: known, datetimes } = await schema(true));
    const pending: number[] = [];
    writes.forEach((w, i) => {
      const problem = refuse(w, known.get(w.property), clearing);
      if (problem) results[i] = { status: 'failed', reason: problem };
      else pending.push(i);
    });
    const byDeal = groupBy(pending, (i) => writes[i]?.dealId ?? '');
    for (const dealIds of chunks([...byDeal.keys()], BATCH_LIMIT)) {
      await dealLocks.withKeys(dealIds, () =>
        compareAndWrite(dealIds.flatMap((d) => byDeal.get(d) ?? [])),
      );
    }
    return results.map((r) => r ?? { status: 'failed', reason: 'no result' });

    /**
     * One batch of at most 100 deals: read, compare, write what still matches, read back.
     * The update goes out right after the read (its budget was taken before it); after a
     * 429, a 5xx or a lost answer Scout waits, then reads and compares again before it
     * sends again, so the window a person's edit can fall into is one request, however
     * long HubSpot makes Scout wait. `alone` (one deal) sends a PATCH.
     */
    async function compareAndWrite(indexes: readonly number[], alone = false): Promise<void> {
      const dealIds = [...new Set(indexes.map((i) => writes[i]?.dealId ?? ''))];
      const names = [...new Set(indexes.map((i) => writes[i]?.property ?? ''))];
      let patches = new Map<string, Record<string, string>>();
      /** Writes sent, or found already landed on a retry: the read-back decides. */
      let sent: number[] = [];
      let refusal: HubSpotError | null = null;
      const prepare = async (retry: boolean) => {
        const before = new Map(
          (await readObjects('deals', dealIds, names, 'read deals before writing')).map((o) => [
            o.id,
            o.properties,
          ]),
        );
        patches = new Map();
        sent = [];
        for (const i of indexes) {
          const w = writes[i] as PropertyRestore;
          const type = (known.get(w.property) as PropertyDef).type;
          const props = before.get(w.dealId);
          if (!props) {
            results[i] = {
              status: 'failed',
              reason: `deal ${w.dealId} was not found in HubSpot (deleted or merged?)`,
            };
            continue;
          }
          const current = fromWire(type, props[w.property]);
          // The try before may have landed although its answer was lost.
          if (retry && sameValue(type, current, w.value)) {
            sent.push(i);
            continue;
          }
          if (!sameValue(type, current, w.expected)) {
            results[i] = { status: 'conflict', current };
            continue;
          }
          const wire = w.value === null ? '' : toWire(w.value, datetimes.has(w.property));
          patches.set(w.dealId, { ...patches.get(w.dealId), [w.property]: wire });
          props[w.property] = wire;
          sent.push(i);
        }
        return patches.size === 0 ? null : updateRequest(patches, alone);
      };
      /** Deals HubSpot refused in a batch: each goes again alone, so a refusal names its deal. */
      let refusedDeals: string[] = [];
      try {
        await http.sendPrepared(prepare);
      } catch (error) {
        if (!(error instanceof HubSpotError) || error.fatal) throw error;
        const refusedBatch =
          !alone &&
          patches.size > 1 &&
          error.status !== 0 &&
          error.status !== 429 &&
          error.status < 500;
        if (refusedBatch) refusedDeals = [...patches.keys()];
        else refusal = error;
      }
      for (const dealId of refusedDeals)
        await compareAndWrite(
          indexes.filter((i) => writes[i]?.dealId === dealId),
          true,
        );
      // What a retry found already landed is read back with the rest.
      const verify = sent.filter((i) => !refusedDeals.includes(writes[i]?.dealId ?? ''));
      if (verify.length === 0) return;
      const after = new Map(
        (
          await readObjects(
            'deals',
            [...new Set(verify.map((i) => writes[i]?.dealId ?? ''))],
            names,
            'read deals back after writing',
          )
        ).map((o) => [o.id, o.properties]),
      );
      for (const i of verify) {
        const w = writes[i] as PropertyRestore;
        const type = (known.get(w.property) as PropertyDef).type;
        const now = fromWire(type, after.get(w.dealId)?.[w.property]);
        if (sameValue(type, now, w.value)) results[i] = { status: 'written' };
        else {
          results[i] = {
            status: 'failed',
            reason: refusal
              ? refusal.message
              : `HubSpot accepted ${w.property} = ${JSON.stringify(w.value)} on deal ${w.dealId} but reads back ${JSON.stringify(now)}: someone changed it at the same moment`,
          };
        }
      }
    }
  };

  return {
    kind: 'hubspot',
    apiCalls: () => http.calls(),
    propertyGroup: { name: SCOUT_GROUP, exists: groupExists, create: ensureGroup },

    async listPropertyDefs() {
      return [...(await defs(true)).values()];
    },

    async listUsers(): Promise<CrmUser[]> {
      const users: CrmUser[] = [];
      let after: string | undefined;
      do {
        const { data } = await http.send({
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
    },

    async countDeals(ids) {
      if (ids) return (await readObjects('deals', ids, ['hs_object_id'], 'look up deals')).length;
      const body: SearchRequest = {
        limit: 1,
        properties: ['hs_object_id'],
        filterGroups: [],
        sorts: [],
      };
      const { data } = await http.send({
        method: 'POST',
        path: '/crm/v3/objects/deals/search',
        body,
        idempotent: true,
        search: true,
        purpose: { action: 'count the deals' },
        schema: searchPageSchema,
      });
      return data.total;
    },

    async pageDeals({ cursor, limit, ids }): Promise<DealPage> {
      const known = await defs();
      const properties = [...known.keys()];
      if (ids) {
        const start = cursor === null ? 0 : Number(cursor);
        const slice = ids.slice(start, start + limit);
        const found = await readObjects('deals', slice, properties, 'read deals');
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
        const { data } = await http.send({
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
            (await readObjects('deals', ids, properties, 'read deals')).map((o) => [o.id, o]),
          );
          objects = ids.flatMap((id) => full.get(id) ?? []);
        }
        deals.push(...objects.map((o) => toDeal(o, known)));
        after = data.paging?.next?.after;
      } while (after && deals.length < limit);
      return { deals, next: after ?? null };
    },

    async notesForDeals(dealIds): Promise<Map<string, CrmNote[]>> {
      const byDeal = new Map<string, CrmNote[]>(dealIds.map((id) => [id, []]));
      if (dealIds.length === 0) return byDeal;
      await Promise.all(
        ENGAGEMENTS.map(async ({ object }) => {
          const links = await associated(object, dealIds);
          const ids = [...new Set([...links.values()].flat())];
          const found = await readObjects(
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
    },

    writeProperties: (writes) => compareThenWrite(writes, false),

    restoreProperties: (restores) => compareThenWrite(restores, true),

    async createProperty(def: PropertyDef): Promise<'created' | 'exists'> {
      if (!groupReady) {
        const ensuring = ensureGroup().then(() => undefined);
        groupReady = ensuring;
        ensuring.catch(() => {
          if (groupReady === ensuring) groupReady = null;
        });
      }
      await groupReady;
      const existing = await readProperty(def.name);
      if (existing) return sameKind(existing, def);
      try {
        await http.send({
          method: 'POST',
          path: '/crm/v3/properties/deals',
          body: toPropertyCreate(def, SCOUT_GROUP),
          idempotent: false,
          purpose: { action: `create the deal property ${def.name}`, field: def.name },
          schema: propertySchema,
        });
        schemaCache = null;
        return 'created';
      } catch (error) {
        if (!ambiguousOrConflict(error)) throw error;
        // Never sent twice: whether it landed (or someone else made it) is read instead.
        const now = await readProperty(def.name);
        if (!now) throw error;
        schemaCache = null;
        sameKind(now, def);
        return error instanceof HubSpotError && error.status === 409 ? 'exists' : 'created';
      }
    },
  };
}

/** Why a write must not be sent at all, or null. Never an empty value: HubSpot would clear the property. */
function refuse(
  w: PropertyRestore,
  def: PropertyDef | undefined,
  clearing: boolean,
): string | null {
  if (!def) {
    return `property ${w.property} does not exist in HubSpot${w.property.startsWith('scout_') ? ' (run `scout setup-fields --apply`)' : ''}; deal ${w.dealId} not written`;
  }
  const v = w.value;
  if (v === null)
    return clearing
      ? null
      : `refusing to clear ${w.property} on deal ${w.dealId}: Scout never clears a field`;
  if (typeof v === 'string' && v.trim() === '')
    return `refusing to send an empty value for ${w.property} on deal ${w.dealId}: HubSpot would clear the property`;
  const fits =
    def.type === 'number'
      ? typeof v === 'number' && Number.isFinite(v)
      : typeof v === 'string' &&
        (def.type !== 'date' || /^\d{4}-\d{2}-\d{2}$/.test(v)) &&
        (def.type !== 'enum' || (def.options ?? []).includes(v));
  return fits
    ? null
    : `property ${w.property} is ${def.type}; ${JSON.stringify(v)} does not fit (deal ${w.dealId})`;
}

/** A batch update (absolute values, so a retry cannot do harm), or a PATCH for one deal sent alone. */
function updateRequest(
  patches: Map<string, Record<string, string>>,
  alone: boolean,
): HubSpotRequest<z.ZodType> {
  const [only] = patches;
  if (alone && only) {
    const [id, properties] = only;
    return {
      method: 'PATCH',
      path: `/crm/v3/objects/deals/${encodeURIComponent(id)}`,
      body: { properties },
      idempotent: true,
      purpose: { action: 'write', dealId: id, field: Object.keys(properties).join(', ') },
      schema: objectSchema,
    };
  }
  const body: BatchUpdateRequest = {
    inputs: [...patches].map(([id, properties]) => ({ id, properties })),
  };
  return {
    method: 'POST',
    path: '/crm/v3/objects/deals/batch/update',
    body,
    idempotent: true,
    purpose: batchPurpose(patches),
    schema: batchObjectsSchema,
  };
}

/** Names the deal and fields when the batch has one deal, else the fields and how many deals. */
function batchPurpose(patches: Map<string, Record<string, string>>) {
  const fields = [...new Set([...patches.values()].flatMap((p) => Object.keys(p)))].join(', ');
  const [only] = patches.keys();
  return patches.size === 1 && only !== undefined
    ? { action: 'write', dealId: only, field: fields }
    : { action: `write ${fields} on ${patches.size} deals` };
}

function sameValue(type: FieldType, a: PropertyValue, b: PropertyValue): boolean {
  if (a === null || b === null) return a === b;
  if (type === 'number') return Number(a) === Number(b);
  return String(a) === String(b);
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

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) out.set(key(t), [...(out.get(key(t)) ?? []), t]);
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
