import { z } from 'zod';
import type { FieldType, PropertyDef, PropertyValue } from '../../domain/values.js';
import { AGENT_PREFIX } from '../../domain/values.js';
import type {
  CrmDeal,
  CrmNote,
  CrmPort,
  CrmUser,
  DealPage,
  PropertyRestore,
  WriteResult,
} from '../../services/ports/crm.js';
import { activityText, PREVIEW_LIMIT, taskNoteType } from './activities.js';
import {
  customFieldMetadata,
  customFieldName,
  fromWire,
  type MappedField,
  mapFields,
} from './field-types.js';
import { explainFailure, type RequestPurpose, SalesforceError } from './salesforce-errors.js';
import { backoff, DEFAULT_RETRY, type SalesforceHttp, sleep } from './salesforce-http.js';
import {
  API_VERSION,
  collectionResultsSchema,
  createdSchema,
  describeSchema,
  noContentSchema,
  queryResultSchema,
} from './wire.js';

const DATA = `/services/data/${API_VERSION}`;
/** Ids per SOQL `IN` list: 200 ids of 18 characters keep a query's URL well under Salesforce's limits. */
const IN_LIMIT = 200;
/** Records per sObject Collections request (Salesforce's maximum). */
const COLLECTION_LIMIT = 200;
/** Longest select list in one query; an org's wider Opportunity is read in several, joined by Id. */
const MAX_SELECT_CHARS = 4000;
/** Rounds of compare-then-write after a 412 or a lost answer before a write is given up. */
const WRITE_ROUNDS = 3;

export interface SalesforceCrm extends CrmPort {
  readonly kind: 'salesforce';
  apiCalls(): number;
  takeWarnings(): string[];
}

export interface SalesforceCrmOptions {
  /** Requests of the org's daily allocation left for everyone else: a run stops paging before it. */
  readonly reserve: number;
}

type Row = Record<string, unknown>;

/**
 * The CRM port over Salesforce's REST API: Opportunities (SOQL, ordered by Id, each page one
 * query), their fields from describe, users, and the Tasks, Events and enhanced notes of each
 * deal read in `IN` batches. Writes compare first; one deal's write carries
 * If-Unmodified-Since (412 → compared again), several go through sObject Collections.
 */
export function createSalesforceCrm(
  http: SalesforceHttp,
  options: SalesforceCrmOptions,
): SalesforceCrm {
  let fieldsCache: Promise<Map<string, MappedField>> | null = null;
  const noteBodies = new Map<string, string>();
  const warnings: string[] = [];

  const fields = (refresh = false): Promise<Map<string, MappedField>> => {
    if (refresh || fieldsCache === null) {
      const loading = http
        .send({
          method: 'GET',
          path: `${DATA}/sobjects/Opportunity/describe`,
          idempotent: true,
          purpose: { action: 'describe the Opportunity fields' },
          schema: describeSchema,
        })
        .then((d) => mapFields(d.fields));
      fieldsCache = loading;
      loading.catch(() => {
        if (fieldsCache === loading) fieldsCache = null;
      });
    }
    return fieldsCache;
  };

  /** Every record a SOQL query returns, following `nextRecordsUrl` (queryMore) until `done`. */
  const query = async (
    soql: string,
    action: string,
    purpose: Partial<RequestPurpose> = {},
    batchSize?: number,
  ): Promise<Row[]> => {
    const headers = batchSize
      ? { 'sforce-query-options': `batchSize=${Math.max(200, Math.min(2000, batchSize))}` }
      : undefined;
    const rows: Row[] = [];
    let page = await http.send({
      method: 'GET',
      path: `${DATA}/query`,
      query: { q: soql },
      ...(headers ? { headers } : {}),
      idempotent: true,
      purpose: { ...purpose, action },
      schema: queryResultSchema,
    });
    rows.push(...page.records);
    while (!page.done && page.nextRecordsUrl) {
      page = await http.send({
        method: 'GET',
        path: page.nextRecordsUrl,
        ...(headers ? { headers } : {}),
        idempotent: true,
        purpose: { ...purpose, action },
        schema: queryResultSchema,
      });
      rows.push(...page.records);
    }
    return rows;
  };

  /** `query` over an `IN` list too long for one query: one query per chunk of ids. */
  const queryIn = async (
    template: (ids: string) => string,
    ids: readonly string[],
    action: string,
  ): Promise<Row[]> => {
    const out: Row[] = [];
    for (const chunk of chunks([...new Set(ids)], IN_LIMIT))
      out.push(...(await query(template(chunk.map(quote).join(', ')), action)));
    return out;
  };

  /**
   * The deal fields to select, in lists short enough for a query's URL (an org can have
   * hundreds of Opportunity fields); the first list starts with the ones every deal needs.
   */
  const selectLists = (known: Map<string, MappedField>): string[] => {
    const base = ['Id', 'Name', 'OwnerId', 'LastModifiedDate'];
    const lists: string[][] = [[...base]];
    for (const api of new Set([...known.values()].map((f) => f.api))) {
      if (base.includes(api)) continue;
      const last = lists.at(-1) as string[];
      if (last.join(', ').length + api.length + 2 > MAX_SELECT_CHARS) lists.push(['Id', api]);
      else last.push(api);
    }
    return lists.map((l) => l.join(', '));
  };

  /** Deals as `first` selects them; further select lists fill in the same rows by Id. */
  const readDeals = async (
    known: Map<string, MappedField>,
    first: (select: string) => Promise<Row[]>,
  ): Promise<Row[]> => {
    const [head, ...more] = selectLists(known);
    const rows = await first(head as string);
    const byId = new Map(rows.map((r) => [String(r.Id), r]));
    for (const select of more) {
      if (byId.size === 0) break;
      const extra = await queryIn(
        (list) => `SELECT ${select} FROM Opportunity WHERE Id IN (${list})`,
        [...byId.keys()],
        'read more fields of deals',
      );
      for (const r of extra) Object.assign(byId.get(String(r.Id)) ?? {}, r);
    }
    return rows;
  };

  const toDeal = (row: Row, known: Map<string, MappedField>): CrmDeal => {
    const properties: Record<string, PropertyValue> = {};
    for (const [name, f] of known) {
      const value = fromWire(f.def.type, row[f.api]);
      if (value !== null) properties[name] = value;
    }
    return {
      id: String(row.Id),
      name: typeof row.Name === 'string' ? row.Name : '',
      ownerId: typeof row.OwnerId === 'string' && row.OwnerId !== '' ? row.OwnerId : null,
      properties,
    };
  };

  /** Whether the org's daily allocation is down to the reserve; says so once per run. */
  const nearLimit = (): boolean => {
    const usage = http.usage();
    if (!usage || usage.max - usage.used > options.reserve) return false;
    // Once per run: the warnings are taken when the run finishes.
    if (warnings.length === 0)
      warnings.push(
        `SALESFORCE API LIMIT: the org has used ${usage.used} of its ${usage.max} daily API requests; Scout stopped reading deals to leave ${options.reserve} (SALESFORCE_API_RESERVE) for everyone else. The deals not reached are picked up by the next run.`,
      );
    return true;
  };

  const contentNoteBody = async (row: Row): Promise<string> => {
    const preview = typeof row.TextPreview === 'string' ? row.TextPreview : '';
    if (preview.length < PREVIEW_LIMIT) return preview;
    const key = `${String(row.Id)}@${String(row.LastModifiedDate)}`;
    const cached = noteBodies.get(key);
    if (cached !== undefined) return cached;
    const body = await http.send({
      method: 'GET',
      path: `${DATA}/sobjects/ContentNote/${encodeURIComponent(String(row.Id))}/Content`,
      idempotent: true,
      text: true,
      purpose: { action: `read the enhanced note ${String(row.Id)}` },
      schema: z.string(),
    });
    noteBodies.set(key, body);
    return body;
  };

  const readCurrent = async (dealIds: readonly string[], apis: readonly string[]) =>
    new Map(
      (
        await queryIn(
          (ids) =>
            `SELECT ${[...new Set(['Id', 'LastModifiedDate', ...apis])].join(', ')} FROM Opportunity WHERE Id IN (${ids})`,
          dealIds,
          'read deals before writing',
        )
      ).map((r) => [String(r.Id), r]),
    );

  /**
   * Compare-then-write. `clearing` (undo only) lets null through, which clears the field;
   * writes never may. One deal alone is a PATCH with If-Unmodified-Since; several go in
   * Collections of 200. A 412 or a lost answer sends the deal round again: read, compare, write.
   */
  const compareThenWrite = async (
    writes: readonly PropertyRestore[],
    clearing: boolean,
  ): Promise<WriteResult[]> => {
    if (writes.length === 0) return [];
    const results: Array<WriteResult | undefined> = writes.map(() => undefined);
    let known = await fields();
    if (writes.some((w) => !known.has(w.property))) known = await fields(true);
    let pending: number[] = [];
    writes.forEach((w, i) => {
      const problem = refuse(w, known.get(w.property), clearing);
      if (problem) results[i] = { status: 'failed', reason: problem };
      else pending.push(i);
    });
    for (let round = 0; pending.length > 0; round++) {
      const again: number[] = [];
      const dealIds = [...new Set(pending.map((i) => (writes[i] as PropertyRestore).dealId))];
      for (const batch of chunks(dealIds, COLLECTION_LIMIT)) {
        const inBatch = pending.filter((i) =>
          batch.includes((writes[i] as PropertyRestore).dealId),
        );
        again.push(...(await writeBatch(inBatch, round)));
      }
      if (again.length > 0 && round + 1 >= WRITE_ROUNDS) {
        for (const i of again)
          results[i] = {
            status: 'failed',
            reason: `deal ${(writes[i] as PropertyRestore).dealId} kept changing or Salesforce kept failing while Scout wrote ${(writes[i] as PropertyRestore).property}; nothing more was tried`,
          };
        break;
      }
      if (again.length > 0) await sleep(backoff(DEFAULT_RETRY, round));
      pending = again;
    }
    return results.map((r) => r ?? { status: 'failed', reason: 'no result' });

    /** One round for up to 200 deals; returns the writes to send round again. */
    async function writeBatch(indexes: readonly number[], round: number): Promise<number[]> {
      const field = (i: number) =>
        known.get((writes[i] as PropertyRestore).property) as MappedField;
      const apis = [...new Set(indexes.map((i) => field(i).api))];
      const current = await readCurrent(
        [...new Set(indexes.map((i) => (writes[i] as PropertyRestore).dealId))],
        apis,
      );
      const patches = new Map<string, { values: Row; indexes: number[]; modified: string }>();
      for (const i of indexes) {
        const w = writes[i] as PropertyRestore;
        const f = field(i);
        const row = current.get(w.dealId);
        if (!row) {
          results[i] = {
            status: 'failed',
            reason: `deal ${w.dealId} was not found in Salesforce (deleted or merged?)`,
          };
          continue;
        }
        const now = fromWire(f.def.type, row[f.api]);
        // An earlier round may have landed although its answer was lost.
        if (round > 0 && sameValue(f.def.type, now, w.value)) {
          results[i] = { status: 'written' };
          continue;
        }
        if (!sameValue(f.def.type, now, w.expected)) {
          results[i] = { status: 'conflict', current: now };
          continue;
        }
        const p = patches.get(w.dealId) ?? {
          values: {},
          indexes: [],
          modified: String(row.LastModifiedDate),
        };
        p.values[f.api] = w.value;
        p.indexes.push(i);
        patches.set(w.dealId, p);
      }
      if (patches.size === 0) return [];
      const fieldsOf = (p: { indexes: number[] }) =>
        p.indexes.map((i) => describeField(field(i))).join(', ');
      if (patches.size === 1) {
        const [[dealId, p]] = [...patches] as [
          [string, { values: Row; indexes: number[]; modified: string }],
        ];
        try {
          await http.send({
            method: 'PATCH',
            path: `${DATA}/sobjects/Opportunity/${encodeURIComponent(dealId)}`,
            headers: { 'if-unmodified-since': new Date(p.modified).toUTCString() },
            body: p.values,
            // The precondition makes a resend harmless: it fails (412) if anything landed since.
            idempotent: true,
            purpose: { action: 'write', dealId, field: fieldsOf(p) },
            schema: noContentSchema,
          });
          for (const i of p.indexes) results[i] = { status: 'written' };
          return [];
        } catch (error) {
          if (error instanceof SalesforceError && error.status === 412) return p.indexes;
          if (!(error instanceof SalesforceError) || error.fatal) throw error;
          for (const i of p.indexes) results[i] = { status: 'failed', reason: error.message };
          return [];
        }
      }
      const entries = [...patches];
      let answer: z.output<typeof collectionResultsSchema>;
      try {
        answer = await http.send({
          method: 'PATCH',
          path: `${DATA}/composite/sobjects`,
          body: {
            allOrNone: false,
            records: entries.map(([id, p]) => ({
              attributes: { type: 'Opportunity' },
              id,
              ...p.values,
            })),
          },
          // Sent again only after a fresh compare, never blindly: see the rounds above.
          idempotent: false,
          purpose: { action: `write ${apis.join(', ')} on ${entries.length} deals` },
          schema: collectionResultsSchema,
        });
      } catch (error) {
        if (error instanceof SalesforceError && (error.status === 0 || error.status >= 500))
          return entries.flatMap(([, p]) => p.indexes);
        throw error;
      }
      entries.forEach(([dealId, p], n) => {
        const r = answer[n];
        if (r?.success) {
          for (const i of p.indexes) results[i] = { status: 'written' };
          return;
        }
        const e = r?.errors[0];
        const named = (e?.fields ?? []).map((api) =>
          [...known.values()].find((f) => f.api.toLowerCase() === api.toLowerCase()),
        );
        const explained = explainFailure(
          400,
          e ? { message: e.message, errorCode: e.statusCode } : null,
          {
            action: 'write',
            dealId,
            field:
              named.length > 0 && named.every((f) => f)
                ? named.map((f) => describeField(f as MappedField)).join(', ')
                : fieldsOf(p),
          },
        );
        for (const i of p.indexes) results[i] = { status: 'failed', reason: explained.message };
      });
      return [];
    }
  };

  return {
    kind: 'salesforce',
    apiCalls: () => http.calls(),
    takeWarnings: () => warnings.splice(0),

    async listPropertyDefs() {
      return [...(await fields(true)).values()].map((f) => f.def);
    },

    async listUsers(): Promise<CrmUser[]> {
      const rows = await query(
        `SELECT Id, Name, Email FROM User WHERE UserType = 'Standard' ORDER BY Id`,
        'read the users',
      );
      return rows.map((r) => ({
        id: String(r.Id),
        name: typeof r.Name === 'string' && r.Name !== '' ? r.Name : String(r.Id),
        email: typeof r.Email === 'string' && r.Email !== '' ? r.Email : null,
        slackUserId: null,
      }));
    },

    async countDeals(ids) {
      if (ids)
        return (
          await queryIn(
            (list) => `SELECT Id FROM Opportunity WHERE Id IN (${list})`,
            ids,
            'look up deals',
          )
        ).length;
      const answer = await http.send({
        method: 'GET',
        path: `${DATA}/query`,
        query: { q: 'SELECT COUNT() FROM Opportunity' },
        idempotent: true,
        purpose: { action: 'count the deals' },
        schema: queryResultSchema,
      });
      return answer.totalSize;
    },

    async pageDeals({ cursor, limit, ids }): Promise<DealPage> {
      const known = await fields();
      if (ids) {
        const start = cursor === null ? 0 : Number(cursor);
        const slice = ids.slice(start, start + limit);
        const rows = await readDeals(known, (select) =>
          queryIn(
            (list) => `SELECT ${select} FROM Opportunity WHERE Id IN (${list})`,
            slice,
            'read deals',
          ),
        );
        const byId = new Map(rows.map((r) => [String(r.Id), r]));
        return {
          deals: slice.flatMap((id) => {
            const r = byId.get(id);
            return r ? [toDeal(r, known)] : [];
          }),
          next: start + limit < ids.length ? String(start + limit) : null,
        };
      }
      // Only a scan stops at the reserve: looking up given deals (approvals, undo, cards) goes on.
      if (nearLimit()) return { deals: [], next: null };
      // Keyset paging (Id > the last one seen) rather than holding a server-side cursor
      // open while the page is extracted: query locators expire after 15 idle minutes.
      const after = cursor === null ? '' : ` WHERE Id > ${quote(cursor)}`;
      const rows = await readDeals(known, (select) =>
        query(
          `SELECT ${select} FROM Opportunity${after} ORDER BY Id LIMIT ${limit + 1}`,
          'read a page of deals',
          {},
          limit + 1,
        ),
      );
      const deals = rows.slice(0, limit).map((r) => toDeal(r, known));
      return { deals, next: rows.length > limit ? (deals.at(-1)?.id ?? null) : null };
    },

    async notesForDeals(dealIds): Promise<Map<string, CrmNote[]>> {
      const byDeal = new Map<string, CrmNote[]>(dealIds.map((id) => [id, []]));
      if (dealIds.length === 0) return byDeal;
      const add = (dealId: unknown, note: Omit<CrmNote, 'dealId'>) =>
        byDeal.get(String(dealId))?.push({ ...note, dealId: String(dealId) });
      const [tasks, events, links] = await Promise.all([
        queryIn(
          (l) =>
            `SELECT Id, WhatId, Subject, Description, TaskSubtype, CreatedDate FROM Task WHERE WhatId IN (${l})`,
          dealIds,
          'read the deals’ tasks',
        ),
        queryIn(
          (l) =>
            `SELECT Id, WhatId, Subject, Description, CreatedDate FROM Event WHERE WhatId IN (${l})`,
          dealIds,
          'read the deals’ events',
        ),
        queryIn(
          (l) =>
            `SELECT ContentDocumentId, LinkedEntityId FROM ContentDocumentLink WHERE LinkedEntityId IN (${l})`,
          dealIds,
          'read the deals’ enhanced notes',
        ),
      ]);
      const hasEmail = tasks.some(
        (t) => t.TaskSubtype === 'Email' || t.TaskSubtype === 'ListEmail',
      );
      const [incoming, contentNotes] = await Promise.all([
        // Replies by deal, not by task: the calls stay one per 200 deals however many emails.
        !hasEmail
          ? Promise.resolve([])
          : queryIn(
              (l) =>
                `SELECT ActivityId FROM EmailMessage WHERE Incoming = true AND RelatedToId IN (${l})`,
              dealIds,
              'read which emails were replies',
            ),
        links.length === 0
          ? Promise.resolve([])
          : queryIn(
              (l) =>
                `SELECT Id, Title, TextPreview, CreatedDate, LastModifiedDate FROM ContentNote WHERE Id IN (${l})`,
              links.map((k) => String(k.ContentDocumentId)),
              'read enhanced notes',
            ),
      ]);
      const replies = new Set(incoming.map((m) => String(m.ActivityId)));
      for (const t of tasks)
        add(t.WhatId, {
          id: String(t.Id),
          type: taskNoteType(t.TaskSubtype, replies.has(String(t.Id))),
          createdAt: new Date(String(t.CreatedDate)),
          body: activityText(t.Subject, t.Description),
        });
      for (const e of events)
        add(e.WhatId, {
          id: String(e.Id),
          type: 'meeting',
          createdAt: new Date(String(e.CreatedDate)),
          body: activityText(e.Subject, e.Description),
        });
      const notes = new Map(contentNotes.map((n) => [String(n.Id), n]));
      for (const link of links) {
        const n = notes.get(String(link.ContentDocumentId));
        if (!n) continue;
        add(link.LinkedEntityId, {
          id: String(n.Id),
          type: 'note',
          createdAt: new Date(String(n.CreatedDate)),
          body: activityText(n.Title, await contentNoteBody(n)),
        });
      }
      for (const list of byDeal.values())
        list.sort(
          (a, b) =>
            a.createdAt.getTime() - b.createdAt.getTime() ||
            (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        );
      return byDeal;
    },

    writeProperties: (writes) => compareThenWrite(writes, false),
    restoreProperties: (restores) => compareThenWrite(restores, true),

    async createProperty(def: PropertyDef): Promise<'created' | 'exists'> {
      const existing = (await fields(true)).get(def.name);
      if (existing) return sameKind(existing, def);
      const api = customFieldName(def.name);
      try {
        await http.send({
          method: 'POST',
          path: `${DATA}/tooling/sobjects/CustomField`,
          body: { FullName: `Opportunity.${api}`, Metadata: customFieldMetadata(def) },
          idempotent: false,
          purpose: {
            action: `create the custom field Opportunity.${api}`,
            field: `${def.name} (${api})`,
          },
          schema: createdSchema,
        });
      } catch (error) {
        if (
          !(error instanceof SalesforceError) ||
          !(
            error.status === 0 ||
            error.status >= 500 ||
            error.errorCode === 'DUPLICATE_DEVELOPER_NAME'
          )
        )
          throw error;
        // Never sent twice: whether it landed (or someone made it) is read instead.
        const now = (await fields(true)).get(def.name);
        if (!now && error.errorCode === 'DUPLICATE_DEVELOPER_NAME') throw notVisible(api, 'exists');
        if (!now) throw error;
        sameKind(now, def);
        return error.errorCode === 'DUPLICATE_DEVELOPER_NAME' ? 'exists' : 'created';
      }
      const made = (await fields(true)).get(def.name);
      if (!made) throw notVisible(api, 'created');
      return 'created';
    },
  };
}

/** A Scout field that exists but that field-level security hides from the integration user. */
function notVisible(api: string, how: 'created' | 'exists'): SalesforceError {
  return new SalesforceError(
    200,
    'FIELD_NOT_VISIBLE',
    `Salesforce ${how === 'created' ? 'created' : 'already has'} Opportunity.${api}, but Scout's integration user cannot see it: give Scout's permission set Read and Edit on the field (docs/salesforce.md), then run setup-fields again`,
  );
}

/** Why a write must not be sent at all, or null. Never an empty value: Salesforce would clear the field. */
function refuse(w: PropertyRestore, f: MappedField | undefined, clearing: boolean): string | null {
  if (!f)
    return `property ${w.property} does not exist in Salesforce or Scout's integration user cannot see it${w.property.startsWith(AGENT_PREFIX) ? ` (run \`scout setup-fields --apply\` to create ${customFieldName(w.property)})` : ''}; deal ${w.dealId} not written`;
  if (!f.updateable)
    return `Salesforce's field-level security (or the field's nature) does not let Scout edit ${describeField(f)} on deal ${w.dealId}: give Scout's permission set Edit access to it`;
  const v = w.value;
  if (v === null)
    return clearing
      ? null
      : `refusing to clear ${describeField(f)} on deal ${w.dealId}: Scout never clears a field`;
  if (typeof v === 'string' && v.trim() === '')
    return `refusing to send an empty value for ${describeField(f)} on deal ${w.dealId}: Salesforce would clear the field`;
  const type = f.def.type;
  const fits =
    type === 'number'
      ? typeof v === 'number' && Number.isFinite(v)
      : typeof v === 'string' &&
        (type !== 'date' || /^\d{4}-\d{2}-\d{2}$/.test(v)) &&
        (type !== 'enum' || (f.def.options ?? []).includes(v));
  return fits
    ? null
    : `field ${describeField(f)} is ${type}; ${JSON.stringify(v)} does not fit (deal ${w.dealId})`;
}

function describeField(f: MappedField): string {
  return f.def.name === f.api ? f.api : `${f.def.name} (${f.api})`;
}

function sameValue(type: FieldType, a: PropertyValue, b: PropertyValue): boolean {
  if (a === null || b === null) return a === b;
  if (type === 'number') return Number(a) === Number(b);
  return String(a) === String(b);
}

function sameKind(existing: MappedField, wanted: PropertyDef): 'exists' {
  if (existing.def.type !== wanted.type)
    throw new SalesforceError(
      409,
      'CONFLICT',
      `field ${describeField(existing)} exists in Salesforce as ${existing.def.type}, not ${wanted.type}; change or remove it by hand`,
    );
  return 'exists';
}

/** A SOQL string literal. */
function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
