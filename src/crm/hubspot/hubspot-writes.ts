import type { z } from 'zod';
import type { FieldType, PropertyDef, PropertyValue } from '../../domain/values.js';
import type { PropertyRestore, WriteResult } from '../../services/ports/crm.js';
import { HubSpotError } from './hubspot-errors.js';
import type { HubSpotRequest } from './hubspot-http.js';
import { readObjects } from './hubspot-reads.js';
import { chunks, type DealSchema, dealSchema, type HubSpotState } from './hubspot-state.js';
import { fromWire, toWire } from './property-types.js';
import {
  BATCH_LIMIT,
  type BatchUpdateRequest,
  batchObjectsSchema,
  objectSchema,
  type WireObject,
} from './wire.js';

/** One call's writes, the schema they were checked against, and each write's result so far. */
interface WriteBatch {
  readonly state: HubSpotState;
  readonly writes: readonly PropertyRestore[];
  readonly schema: DealSchema;
  readonly results: Array<WriteResult | undefined>;
}

/** One attempt's update: the properties to send per deal, and the writes the read-back decides. */
interface Plan {
  readonly patches: Map<string, Record<string, string>>;
  /** Writes sent, or found already landed on a retry. */
  readonly sent: number[];
}

/**
 * Compare-then-write for a batch of writes, serialised per deal within the process and
 * verified by reading back, because HubSpot has no conditional update. `clearing` (undo
 * only) lets a null value through, sent as the empty string that clears a HubSpot
 * property; writes never may.
 */
export async function compareThenWrite(
  state: HubSpotState,
  writes: readonly PropertyRestore[],
  clearing: boolean,
): Promise<WriteResult[]> {
  if (writes.length === 0) return [];
  let schema = await dealSchema(state);
  if (writes.some((w) => !schema.defs.has(w.property))) schema = await dealSchema(state, true);
  const batch: WriteBatch = { state, writes, schema, results: writes.map(() => undefined) };
  const pending: number[] = [];
  writes.forEach((w, i) => {
    const problem = refuse(w, schema.defs.get(w.property), clearing);
    if (problem) batch.results[i] = { status: 'failed', reason: problem };
    else pending.push(i);
  });
  const byDeal = groupBy(pending, (i) => writes[i]?.dealId ?? '');
  for (const dealIds of chunks([...byDeal.keys()], BATCH_LIMIT)) {
    await state.dealLocks.withKeys(dealIds, () =>
      compareAndWrite(
        batch,
        dealIds.flatMap((d) => byDeal.get(d) ?? []),
      ),
    );
  }
  return batch.results.map((r) => r ?? { status: 'failed', reason: 'no result' });
}

/**
 * One batch of at most 100 deals: read, compare, write what still matches, read back.
 * The update goes out right after the read (its budget was taken before it); after a
 * 429, a 5xx or a lost answer Scout waits, then reads and compares again before it
 * sends again, so the window a person's edit can fall into is one request, however
 * long HubSpot makes Scout wait. `alone` (one deal) sends a PATCH.
 */
async function compareAndWrite(
  batch: WriteBatch,
  indexes: readonly number[],
  alone = false,
): Promise<void> {
  const { state, writes } = batch;
  const dealIds = [...new Set(indexes.map((i) => writes[i]?.dealId ?? ''))];
  const names = [...new Set(indexes.map((i) => writes[i]?.property ?? ''))];
  let plan: Plan = { patches: new Map(), sent: [] };
  let refusal: HubSpotError | null = null;
  /** Deals HubSpot refused in a batch: each goes again alone, so a refusal names its deal. */
  let refusedDeals: string[] = [];
  try {
    await state.http.sendPrepared(async (retry) => {
      const before = await readDeals(state, dealIds, names, 'read deals before writing');
      plan = planWrites(batch, indexes, before, retry);
      return plan.patches.size === 0 ? null : updateRequest(plan.patches, alone);
    });
  } catch (error) {
    if (!(error instanceof HubSpotError) || error.fatal) throw error;
    if (refusedAsABatch(error, plan, alone)) refusedDeals = [...plan.patches.keys()];
    else refusal = error;
  }
  for (const dealId of refusedDeals)
    await compareAndWrite(
      batch,
      indexes.filter((i) => writes[i]?.dealId === dealId),
      true,
    );
  // What a retry found already landed is read back with the rest.
  const verify = plan.sent.filter((i) => !refusedDeals.includes(writes[i]?.dealId ?? ''));
  if (verify.length > 0) await readBack(batch, verify, names, refusal);
}

/**
 * Compares each write with the deal as just read: a write whose expected value still
 * stands joins the update; a missing deal fails and a changed field is a conflict. On a
 * retry, a write already showing its value landed on the try before (its answer lost).
 */
function planWrites(
  batch: WriteBatch,
  indexes: readonly number[],
  before: Map<string, WireObject['properties']>,
  retry: boolean,
): Plan {
  const { writes, schema, results } = batch;
  const plan: Plan = { patches: new Map(), sent: [] };
  for (const i of indexes) {
    const w = writes[i] as PropertyRestore;
    const type = (schema.defs.get(w.property) as PropertyDef).type;
    const props = before.get(w.dealId);
    if (!props) {
      results[i] = {
        status: 'failed',
        reason: `deal ${w.dealId} was not found in HubSpot (deleted or merged?)`,
      };
      continue;
    }
    const current = fromWire(type, props[w.property]);
    if (retry && sameValue(type, current, w.value)) {
      plan.sent.push(i);
      continue;
    }
    if (!sameValue(type, current, w.expected)) {
      results[i] = { status: 'conflict', current };
      continue;
    }
    const wire = w.value === null ? '' : toWire(w.value, schema.datetimes.has(w.property));
    plan.patches.set(w.dealId, { ...plan.patches.get(w.dealId), [w.property]: wire });
    // A later write of the same property in this batch compares against this one.
    props[w.property] = wire;
    plan.sent.push(i);
  }
  return plan;
}

/** A batch of several deals refused outright (not a wait or a lost answer): retried deal by deal. */
function refusedAsABatch(error: HubSpotError, plan: Plan, alone: boolean): boolean {
  return (
    !alone &&
    plan.patches.size > 1 &&
    error.status !== 0 &&
    error.status !== 429 &&
    error.status < 500
  );
}

/** Each sent write is written only if HubSpot now reads back its value. */
async function readBack(
  batch: WriteBatch,
  verify: readonly number[],
  names: readonly string[],
  refusal: HubSpotError | null,
): Promise<void> {
  const { writes, schema, results } = batch;
  const after = await readDeals(
    batch.state,
    [...new Set(verify.map((i) => writes[i]?.dealId ?? ''))],
    names,
    'read deals back after writing',
  );
  for (const i of verify) {
    const w = writes[i] as PropertyRestore;
    const type = (schema.defs.get(w.property) as PropertyDef).type;
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

async function readDeals(
  state: HubSpotState,
  dealIds: readonly string[],
  names: readonly string[],
  action: string,
): Promise<Map<string, WireObject['properties']>> {
  const found = await readObjects(state, 'deals', dealIds, names, action);
  return new Map(found.map((o) => [o.id, o.properties]));
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

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) out.set(key(t), [...(out.get(key(t)) ?? []), t]);
  return out;
}
