import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  AssociationsBatchRequest,
  BatchReadRequest,
  BatchUpdateRequest,
  PropertyCreateRequest,
  PropertyGroupCreateRequest,
  SearchRequest,
  WireAssociations,
  WireObject,
  WireOwner,
  WireProperty,
} from '../../src/crm/hubspot/wire.js';
import type { SeedFile } from '../../src/crm/seed-file.js';
import type { PropertyDef } from '../../src/domain/values.js';

/** What the stand-in does instead of answering normally (fault injection). */
export type Fault =
  | { readonly status: 429; readonly retryAfterSeconds?: number }
  /** `applied`: the request takes effect and then the answer is lost in a 5xx (the ambiguous case). */
  | { readonly status: 500 | 502 | 503 | 504; readonly applied?: boolean }
  /** A refusal with HubSpot's error body, as if HubSpot had judged the request itself. */
  | { readonly status: 400 | 403 | 404; readonly category: string; readonly message: string };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly at: number;
  status: number;
}

/** Every scope the adapter can need; a token may be given fewer to provoke 403 MISSING_SCOPES. */
export const ALL_SCOPES = [
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.objects.contacts.read',
  'crm.objects.owners.read',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
] as const;

interface StoredObject {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface HubSpotStandIn {
  readonly url: string;
  readonly token: string;
  /** Every request, in arrival order, with the status it got. */
  readonly requests: RecordedRequest[];
  /** Each property change a write made: [deal, property, value]; a repeat of the same value is listed again. */
  readonly changes: Array<[string, string, string]>;
  /** Properties cleared by an empty string (the agent must never cause one). */
  readonly cleared: Array<[string, string]>;
  scopes: Set<string>;
  latencyMs: number;
  /** Answer 429 when more than `requests` arrive within any `windowMs` (HubSpot's rolling limit). */
  rateLimit: { requests: number; windowMs: number } | null;
  /** Asked before each authenticated request; a fault replaces or follows the normal answer. */
  fault: (request: RecordedRequest) => Fault | undefined;
  /** Called right after a deal update (batch or PATCH) took effect, before it is answered. */
  afterUpdate: (request: RecordedRequest) => void;
  readonly properties: Map<string, WireProperty>;
  readonly groups: Set<string>;
  /** Loads a local-CRM seed file (ids must be numeric, as HubSpot's are). */
  load(seed: SeedFile): void;
  /** A property someone made in HubSpot's settings. */
  defineProperty(create: PropertyCreateRequest): WireProperty;
  deal(id: string): Record<string, string> | undefined;
  /** Someone else editing the deal in HubSpot. */
  setDealProperty(id: string, property: string, value: string): void;
  close(): Promise<void>;
}

/**
 * HubSpot's activity objects and the property holding each one's text, written out here
 * rather than taken from the adapter, so a misspelt name in the adapter reads nothing.
 */
const ACTIVITY_BODY = {
  notes: 'hs_note_body',
  calls: 'hs_call_body',
  meetings: 'hs_meeting_body',
  emails: 'hs_email_text',
} as const;
type Activity = keyof typeof ACTIVITY_BODY;
const ACTIVITIES = Object.keys(ACTIVITY_BODY) as Activity[];

/** A fresh portal's deal properties (HubSpot keeps the close date as a datetime). */
const PORTAL_DEAL_PROPERTIES: PropertyCreateRequest[] = [
  { name: 'dealname', label: 'Deal name', type: 'string', fieldType: 'text' },
  { name: 'dealstage', label: 'Deal stage', type: 'string', fieldType: 'text' },
  { name: 'amount', label: 'Amount', type: 'number', fieldType: 'number' },
  { name: 'closedate', label: 'Close date', type: 'datetime', fieldType: 'date' },
  { name: 'pipeline', label: 'Pipeline', type: 'string', fieldType: 'text' },
  {
    name: 'hubspot_owner_id',
    label: 'Deal owner',
    type: 'enumeration',
    fieldType: 'select',
    referencedObjectType: 'OWNER',
    externalOptions: true,
  },
].map((p) => ({ ...p, groupName: 'dealinformation' }) as PropertyCreateRequest);

const OBJECT_SCOPES: Record<'deals' | Activity, string> = {
  deals: 'crm.objects.deals.read',
  notes: 'crm.objects.contacts.read',
  calls: 'crm.objects.contacts.read',
  meetings: 'crm.objects.contacts.read',
  emails: 'crm.objects.contacts.read',
};
const DEFAULT_DEAL_PROPERTIES = ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage'];
const ALWAYS = ['createdate', 'hs_lastmodifieddate', 'hs_object_id'];
const BATCH_CAP = 100;
const ASSOCIATIONS_PER_ANSWER = 500;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly category: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * HubSpot's CRM API on loopback, as far as Scout uses it: deals (list, batch read, batch
 * update, PATCH, search for the total), notes/calls/meetings/emails (batch read), v4
 * associations, deal properties and groups, owners. Enforces what HubSpot enforces —
 * bearer token and scopes, at most 100 inputs per batch, string property values, known
 * properties and options — and answers in HubSpot's shapes and error bodies.
 */
export async function startHubSpotStandIn(
  options: { token?: string } = {},
): Promise<HubSpotStandIn> {
  const token = options.token ?? `pat-na1-${randomUUID()}`;
  const deals = new Map<string, StoredObject>();
  const engagements = new Map<Activity, Map<string, StoredObject>>(
    ACTIVITIES.map((a) => [a, new Map()]),
  );
  /** Each deal's activities in the order they were associated (not by id, as in HubSpot). */
  const links = new Map<Activity, Map<string, string[]>>(ACTIVITIES.map((a) => [a, new Map()]));
  const owners: WireOwner[] = [];
  const arrivals: number[] = [];

  const state: HubSpotStandIn = {
    url: '',
    token,
    requests: [],
    changes: [],
    cleared: [],
    scopes: new Set(ALL_SCOPES),
    latencyMs: 0,
    rateLimit: null,
    fault: () => undefined,
    afterUpdate: () => {},
    properties: new Map(),
    groups: new Set(['dealinformation']),
    load,
    defineProperty: (create) => defineProperty(create),
    deal: (id) => deals.get(id)?.properties,
    setDealProperty(id, property, value) {
      const d = deals.get(id);
      if (!d) throw new Error(`no deal ${id}`);
      d.properties[property] = value;
      d.updatedAt = new Date().toISOString();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  function defineProperty(create: PropertyCreateRequest): WireProperty {
    const now = new Date().toISOString();
    const p: WireProperty = {
      name: create.name,
      label: create.label,
      type: create.type,
      fieldType: create.fieldType,
      groupName: create.groupName,
      description: create.description ?? '',
      options: (create.options ?? []).map((o, i) => ({
        label: o.label,
        value: o.value,
        displayOrder: o.displayOrder ?? i,
        hidden: o.hidden,
      })),
      ...(create.referencedObjectType ? { referencedObjectType: create.referencedObjectType } : {}),
      ...(create.externalOptions ? { externalOptions: true } : {}),
      createdAt: now,
      updatedAt: now,
      archived: false,
      hubspotDefined: false,
    };
    state.properties.set(p.name, p);
    return p;
  }
  for (const p of PORTAL_DEAL_PROPERTIES) defineProperty(p);

  function load(seed: SeedFile): void {
    const numeric = (id: string, what: string) => {
      if (!/^\d+$/.test(id)) throw new Error(`HubSpot ids are numeric; ${what} ${id} is not`);
      return id;
    };
    for (const u of seed.users) {
      const [firstName, ...rest] = u.name.split(' ');
      owners.push({
        id: numeric(u.id, 'user'),
        email: u.email ?? undefined,
        firstName,
        lastName: rest.join(' '),
        type: 'PERSON',
        userId: Number(u.id),
        archived: false,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      });
    }
    // A seed's own definition of a standard property (dealstage as an enum, say) wins, as in a real portal.
    for (const p of seed.properties) defineProperty(portalProperty(p));
    for (const d of seed.deals) {
      const properties: Record<string, string> = { dealname: d.name };
      if (d.owner_id) properties.hubspot_owner_id = d.owner_id;
      for (const [k, v] of Object.entries(d.properties))
        if (v !== null) properties[k] = stored(k, String(v));
      const at = '2026-01-01T00:00:00.000Z';
      deals.set(numeric(d.id, 'deal'), { id: d.id, properties, createdAt: at, updatedAt: at });
      for (const n of d.notes) {
        const object: Activity =
          n.type === 'note'
            ? 'notes'
            : n.type === 'call'
              ? 'calls'
              : n.type === 'meeting'
                ? 'meetings'
                : 'emails';
        const props: Record<string, string> = {
          hs_timestamp: n.created_at,
          [ACTIVITY_BODY[object]]: n.body,
        };
        if (object === 'emails')
          props.hs_email_direction = n.type === 'email_reply' ? 'INCOMING_EMAIL' : 'EMAIL';
        engagements.get(object)?.set(numeric(n.id, 'note'), {
          id: n.id,
          properties: props,
          createdAt: n.created_at,
          updatedAt: n.created_at,
        });
        const byDeal = links.get(object);
        byDeal?.set(d.id, [...(byDeal.get(d.id) ?? []), n.id]);
      }
    }
  }

  const wire = (o: StoredObject, names: readonly string[]): WireObject => ({
    id: o.id,
    properties: Object.fromEntries(
      [...new Set([...names, ...ALWAYS])].map((n) => [
        n,
        n === 'hs_object_id'
          ? o.id
          : n === 'createdate'
            ? o.createdAt
            : n === 'hs_lastmodifieddate'
              ? o.updatedAt
              : (o.properties[n] ?? null),
      ]),
    ),
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    archived: false,
  });

  const need = (scope: string) => {
    if (!state.scopes.has(scope))
      throw new HttpError(
        403,
        'MISSING_SCOPES',
        "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
        {
          errors: [
            {
              message: 'One or more of the following scopes are required.',
              context: { requiredGranularScopes: [scope] },
            },
          ],
        },
      );
  };
  const inputsOf = (body: unknown): string[] => {
    const inputs = (body as { inputs?: unknown })?.inputs;
    if (!Array.isArray(inputs))
      throw new HttpError(400, 'VALIDATION_ERROR', 'Invalid input JSON: inputs is required');
    if (inputs.length > BATCH_CAP)
      throw new HttpError(
        400,
        'VALIDATION_ERROR',
        `Batch input size ${inputs.length} exceeds the limit of ${BATCH_CAP}`,
      );
    return inputs.map((i: { id?: unknown }) => {
      if (typeof i?.id !== 'string')
        throw new HttpError(400, 'VALIDATION_ERROR', 'Invalid input JSON: id must be a string');
      return i.id;
    });
  };
  const batchRead = (store: Map<string, StoredObject>, body: BatchReadRequest) => {
    const ids = inputsOf(body);
    const found = ids.filter((id) => store.has(id));
    const missing = ids.filter((id) => !store.has(id));
    const names = body.properties ?? [];
    const results = found.map((id) => wire(store.get(id) as StoredObject, names));
    const now = new Date().toISOString();
    if (missing.length === 0)
      return [200, { status: 'COMPLETE', results, startedAt: now, completedAt: now }] as const;
    return [
      207,
      {
        status: 'COMPLETE',
        results,
        numErrors: 1,
        errors: [
          {
            status: 'error',
            category: 'OBJECT_NOT_FOUND',
            message: 'Could not get some objects, they may be deleted or not exist.',
            context: { ids: missing },
          },
        ],
        startedAt: now,
        completedAt: now,
      },
    ] as const;
  };
  /** Checks every value of a deal update; throws HubSpot's 400 for the first bad one. */
  const checkUpdate = (properties: unknown) => {
    if (typeof properties !== 'object' || properties === null)
      throw new HttpError(400, 'VALIDATION_ERROR', 'Invalid input JSON: properties is required');
    for (const [name, value] of Object.entries(properties)) {
      if (typeof value !== 'string')
        throw new HttpError(
          400,
          'VALIDATION_ERROR',
          `Invalid input JSON on line 1: Cannot deserialize value of type \`java.lang.String\` for property ${name}: property values must be strings`,
        );
      const def = state.properties.get(name);
      if (!def)
        throw new HttpError(
          400,
          'VALIDATION_ERROR',
          `Property values were not valid: [{"isValid":false,"message":"Property \\"${name}\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"${name}"}]`,
        );
      if (value === '') continue;
      if (def.type === 'number' && !Number.isFinite(Number(value)))
        throw new HttpError(
          400,
          'VALIDATION_ERROR',
          `Property values were not valid: [{"isValid":false,"message":"${value} was not a valid number.","error":"INVALID_LONG","name":"${name}"}]`,
        );
      if (def.type === 'datetime' && datetimeOf(value) === null)
        throw new HttpError(
          400,
          'VALIDATION_ERROR',
          `Property values were not valid: [{"isValid":false,"message":"${value} is not a valid datetime: use an ISO 8601 timestamp or milliseconds since the epoch","error":"INVALID_DATETIME","name":"${name}"}]`,
        );
      if (def.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value))
        throw new HttpError(
          400,
          'VALIDATION_ERROR',
          `Property values were not valid: [{"isValid":false,"message":"${value} is not a valid date","error":"INVALID_DATE","name":"${name}"}]`,
        );
      if (
        def.type === 'enumeration' &&
        !def.externalOptions &&
        !def.options.some((o) => o.value === value)
      )
        throw new HttpError(
          400,
          'VALIDATION_ERROR',
          `Property values were not valid: [{"isValid":false,"message":"${value} was not one of the allowed options","error":"INVALID_OPTION","name":"${name}"}]`,
        );
    }
  };
  /** A value as HubSpot keeps it: a datetime as a full ISO timestamp, whatever form it came in. */
  const stored = (name: string, value: string): string =>
    state.properties.get(name)?.type === 'datetime'
      ? (datetimeOf(value) ?? new Date(`${value}T00:00:00.000Z`)).toISOString()
      : value;
  const applyUpdate = (id: string, properties: Record<string, string>) => {
    const d = deals.get(id) as StoredObject;
    for (const [name, value] of Object.entries(properties)) {
      if (value === '') {
        delete d.properties[name];
        state.cleared.push([id, name]);
      } else d.properties[name] = stored(name, value);
      state.changes.push([id, name, value]);
    }
    d.updatedAt = new Date().toISOString();
  };
  const checkLimit = (limit: number, max: number) => {
    if (!Number.isInteger(limit) || limit < 1 || limit > max)
      throw new HttpError(400, 'VALIDATION_ERROR', `limit must be between 1 and ${max}`);
  };
  /** A page of a list sorted by id; `after` is the id the page starts at, as in HubSpot's object lists. */
  const page = <T>(
    items: readonly T[],
    after: string | null,
    limit: number,
    max: number,
    key: (t: T) => string,
  ) => {
    checkLimit(limit, max);
    const start = after === null ? 0 : items.findIndex((t) => BigInt(key(t)) >= BigInt(after));
    const slice = start < 0 ? [] : items.slice(start, start + limit);
    const next = start < 0 ? undefined : items[start + limit];
    return { slice, next: next === undefined ? undefined : key(next) };
  };
  /**
   * A page of a deal's associations, which are not in id order: `after` is an opaque
   * position, as HubSpot's association cursors are opaque.
   */
  const associationPage = (to: readonly string[], after: string | null, limit: number) => {
    checkLimit(limit, ASSOCIATIONS_PER_ANSWER);
    const start = after === null ? 0 : positionOf(after);
    const next = start + limit < to.length ? positionCursor(start + limit) : undefined;
    return { slice: to.slice(start, start + limit), next };
  };
  const byId = <T extends { id: string }>(items: Iterable<T>) =>
    [...items].sort((a, b) =>
      BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0,
    );

  async function route(req: RecordedRequest): Promise<readonly [number, unknown]> {
    const { method, path, query, body } = req;
    const at = (verb: string, pattern: RegExp) => (method === verb ? pattern.exec(path) : null);
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/crm/v3/objects/deals') {
      need(OBJECT_SCOPES.deals);
      const names = query.get('properties')?.split(',').filter(Boolean) ?? DEFAULT_DEAL_PROPERTIES;
      const { slice, next } = page(
        byId(deals.values()),
        query.get('after'),
        Number(query.get('limit') ?? 10),
        100,
        (d) => d.id,
      );
      return [
        200,
        {
          results: slice.map((d) => wire(d, names)),
          ...(next
            ? { paging: { next: { after: next, link: `${state.url}${path}?after=${next}` } } }
            : {}),
        },
      ];
    }
    if (method === 'POST' && path === '/crm/v3/objects/deals/search') {
      need(OBJECT_SCOPES.deals);
      const s = body as SearchRequest;
      if ((s.filterGroups ?? []).length > 0)
        throw new HttpError(
          400,
          'VALIDATION_ERROR',
          'the stand-in implements search without filters only',
        );
      const { slice, next } = page(
        byId(deals.values()),
        s.after ?? null,
        s.limit ?? 10,
        200,
        (d) => d.id,
      );
      return [
        200,
        {
          total: deals.size,
          results: slice.map((d) => wire(d, s.properties ?? DEFAULT_DEAL_PROPERTIES)),
          ...(next ? { paging: { next: { after: next } } } : {}),
        },
      ];
    }
    m = at('POST', /^\/crm\/v3\/objects\/(deals|notes|calls|meetings|emails)\/batch\/read$/);
    if (m) {
      const object = m[1] as 'deals' | Activity;
      need(OBJECT_SCOPES[object]);
      return batchRead(
        object === 'deals' ? deals : (engagements.get(object) as Map<string, StoredObject>),
        body as BatchReadRequest,
      );
    }
    if (method === 'POST' && path === '/crm/v3/objects/deals/batch/update') {
      need('crm.objects.deals.write');
      const inputs = (body as BatchUpdateRequest)?.inputs;
      const ids = inputsOf(body);
      const missing = ids.filter((id) => !deals.has(id));
      if (missing.length > 0)
        throw new HttpError(404, 'OBJECT_NOT_FOUND', `Could not find deals: ${missing.join(', ')}`);
      for (const i of inputs) checkUpdate(i.properties);
      for (const i of inputs) applyUpdate(i.id, i.properties as Record<string, string>);
      state.afterUpdate(req);
      const now = new Date().toISOString();
      return [
        200,
        {
          status: 'COMPLETE',
          results: ids.map((id) =>
            wire(
              deals.get(id) as StoredObject,
              Object.keys(inputs.find((i) => i.id === id)?.properties ?? {}),
            ),
          ),
          startedAt: now,
          completedAt: now,
        },
      ];
    }
    m = at('PATCH', /^\/crm\/v3\/objects\/deals\/(\d+)$/);
    if (m) {
      need('crm.objects.deals.write');
      const id = m[1] as string;
      if (!deals.has(id))
        throw new HttpError(404, 'OBJECT_NOT_FOUND', `resource not found: deal ${id}`);
      const properties = (body as { properties?: unknown })?.properties;
      checkUpdate(properties);
      applyUpdate(id, properties as Record<string, string>);
      state.afterUpdate(req);
      return [200, wire(deals.get(id) as StoredObject, Object.keys(properties as object))];
    }
    m = at('POST', /^\/crm\/v4\/associations\/deals\/(notes|calls|meetings|emails)\/batch\/read$/);
    if (m) {
      need(OBJECT_SCOPES.deals);
      const object = m[1] as Activity;
      const results: WireAssociations[] = [];
      for (const id of inputsOf(body as AssociationsBatchRequest)) {
        const to = links.get(object)?.get(id) ?? [];
        if (to.length === 0) continue;
        const first = to.slice(0, ASSOCIATIONS_PER_ANSWER);
        results.push({
          from: { id },
          to: first.map((t) => ({
            toObjectId: t,
            associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 214 }],
          })),
          ...(to.length > first.length
            ? { paging: { next: { after: positionCursor(first.length) } } }
            : {}),
        });
      }
      const now = new Date().toISOString();
      return [200, { status: 'COMPLETE', results, startedAt: now, completedAt: now }];
    }
    m = at(
      'GET',
      /^\/crm\/v4\/objects\/deals\/(\d+)\/associations\/(notes|calls|meetings|emails)$/,
    );
    if (m) {
      need(OBJECT_SCOPES.deals);
      const { slice, next } = associationPage(
        links.get(m[2] as Activity)?.get(m[1] as string) ?? [],
        query.get('after'),
        Number(query.get('limit') ?? ASSOCIATIONS_PER_ANSWER),
      );
      return [
        200,
        {
          results: slice.map((id) => ({
            toObjectId: id,
            associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 214, label: null }],
          })),
          ...(next ? { paging: { next: { after: next } } } : {}),
        },
      ];
    }
    if (method === 'GET' && path === '/crm/v3/properties/deals') {
      need('crm.schemas.deals.read');
      return [200, { results: [...state.properties.values()] }];
    }
    if (method === 'POST' && path === '/crm/v3/properties/deals') {
      need('crm.schemas.deals.write');
      const create = body as PropertyCreateRequest;
      if (!create?.name || !create.label || !create.type || !create.fieldType || !create.groupName)
        throw new HttpError(
          400,
          'VALIDATION_ERROR',
          'name, label, type, fieldType and groupName are required',
        );
      if (!state.groups.has(create.groupName))
        throw new HttpError(
          400,
          'VALIDATION_ERROR',
          `Property group ${create.groupName} does not exist`,
        );
      if (state.properties.has(create.name))
        throw new HttpError(
          409,
          'OBJECT_ALREADY_EXISTS',
          `Property named '${create.name}' already exists.`,
        );
      return [201, defineProperty(create)];
    }
    m = at('GET', /^\/crm\/v3\/properties\/deals\/groups\/([a-z0-9_]+)$/);
    if (m) {
      need('crm.schemas.deals.read');
      if (!state.groups.has(m[1] as string))
        throw new HttpError(404, 'OBJECT_NOT_FOUND', `Unable to find property group ${m[1]}`);
      return [
        200,
        {
          name: m[1],
          label: m[1] === 'scout' ? 'Scout' : (m[1] as string),
          displayOrder: -1,
          archived: false,
        },
      ];
    }
    if (method === 'POST' && path === '/crm/v3/properties/deals/groups') {
      need('crm.schemas.deals.write');
      const g = body as PropertyGroupCreateRequest;
      if (!g?.name || !g.label)
        throw new HttpError(400, 'VALIDATION_ERROR', 'name and label are required');
      if (state.groups.has(g.name))
        throw new HttpError(
          409,
          'OBJECT_ALREADY_EXISTS',
          `Property group ${g.name} already exists`,
        );
      state.groups.add(g.name);
      return [
        201,
        { name: g.name, label: g.label, displayOrder: g.displayOrder ?? -1, archived: false },
      ];
    }
    m = at('GET', /^\/crm\/v3\/properties\/deals\/([a-z0-9_]+)$/);
    if (m) {
      need('crm.schemas.deals.read');
      const p = state.properties.get(m[1] as string);
      if (!p) throw new HttpError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${m[1]}`);
      return [200, p];
    }
    if (method === 'GET' && path === '/crm/v3/owners') {
      need('crm.objects.owners.read');
      const { slice, next } = page(
        byId(owners),
        query.get('after'),
        Number(query.get('limit') ?? 100),
        500,
        (o) => o.id,
      );
      return [200, { results: slice, ...(next ? { paging: { next: { after: next } } } : {}) }];
    }
    throw new HttpError(
      404,
      'OBJECT_NOT_FOUND',
      `The stand-in does not implement ${method} ${path}`,
    );
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', async () => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const raw = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body: raw === '' ? undefined : safeJson(raw),
        at: Date.now(),
        status: 0,
      };
      state.requests.push(recorded);
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        recorded.status = status;
        response.writeHead(status, {
          'content-type': 'application/json;charset=utf-8',
          ...headers,
        });
        response.end(JSON.stringify(payload));
      };
      const error = (e: HttpError, headers: Record<string, string> = {}) =>
        send(
          e.status,
          {
            status: 'error',
            message: e.message,
            correlationId: randomUUID(),
            category: e.category,
            ...e.extra,
          },
          headers,
        );
      if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
      if (request.headers.authorization !== `Bearer ${token}`) {
        error(
          new HttpError(
            401,
            'INVALID_AUTHENTICATION',
            'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
          ),
        );
        return;
      }
      arrivals.push(recorded.at);
      if (state.rateLimit) {
        const since = recorded.at - state.rateLimit.windowMs;
        if (arrivals.filter((t) => t > since).length > state.rateLimit.requests) {
          send(429, rateLimitBody(), { 'retry-after': '1' });
          return;
        }
      }
      const fault = state.fault(recorded);
      if (fault?.status === 429) {
        send(
          429,
          rateLimitBody(),
          fault.retryAfterSeconds === undefined
            ? {}
            : { 'retry-after': String(fault.retryAfterSeconds) },
        );
        return;
      }
      if (fault && 'category' in fault) {
        error(new HttpError(fault.status, fault.category, fault.message));
        return;
      }
      if (fault && !fault.applied) {
        error(new HttpError(fault.status, 'INTERNAL_ERROR', 'internal error (injected)'));
        return;
      }
      try {
        if (raw !== '' && recorded.body === undefined)
          throw new HttpError(400, 'VALIDATION_ERROR', 'Invalid input JSON: the body is not JSON');
        const [status, payload] = await route(recorded);
        if (fault)
          error(
            new HttpError(
              fault.status,
              'INTERNAL_ERROR',
              'internal error after the change was made (injected)',
            ),
          );
        else send(status, payload);
      } catch (e) {
        if (e instanceof HttpError) error(e);
        else error(new HttpError(500, 'INTERNAL_ERROR', (e as Error).message));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (state as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A seed's property as a person would have made it in HubSpot's settings. */
function portalProperty(p: PropertyDef): PropertyCreateRequest {
  const base = { name: p.name, label: p.label, groupName: 'dealinformation' };
  switch (p.type) {
    case 'text':
      return { ...base, type: 'string', fieldType: 'text' };
    case 'number':
      return { ...base, type: 'number', fieldType: 'number' };
    case 'date':
      return { ...base, type: 'date', fieldType: 'date' };
    case 'enum':
      return {
        ...base,
        type: 'enumeration',
        fieldType: 'select',
        options: (p.options ?? []).map((value, i) => ({
          label: value,
          value,
          displayOrder: i,
          hidden: false,
        })),
      };
    case 'user':
      return {
        ...base,
        type: 'enumeration',
        fieldType: 'select',
        referencedObjectType: 'OWNER',
        externalOptions: true,
      };
  }
}

/** A datetime value as HubSpot takes one (an ISO 8601 timestamp, or epoch milliseconds), or null. */
function datetimeOf(value: string): Date | null {
  const at = /^\d+$/.test(value)
    ? new Date(Number(value))
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)
      ? new Date(value)
      : null;
  return at && !Number.isNaN(at.getTime()) ? at : null;
}

function positionCursor(position: number): string {
  return Buffer.from(`association:${position}`).toString('base64url');
}

function positionOf(cursor: string): number {
  const m = /^association:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new HttpError(400, 'VALIDATION_ERROR', `after ${cursor} is not a valid cursor`);
  return Number(m[1]);
}

function rateLimitBody() {
  return {
    status: 'error',
    message: 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName: 'TEN_SECONDLY_ROLLING',
  };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
