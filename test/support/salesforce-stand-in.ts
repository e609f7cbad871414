import { generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SeedFile } from '../../src/crm/seed-file.js';
import type { PropertyDef } from '../../src/domain/values.js';
import { compareValues, matches, parseSoql, type SoqlError } from './soql.js';

/**
 * Salesforce's REST API on loopback, as far as Scout uses it, written from Salesforce's
 * published reference rather than from the adapter: the OAuth token endpoint (JWT bearer
 * grant), SOQL query and queryMore (`done`, `nextRecordsUrl`, `Sforce-Query-Options:
 * batchSize`), Opportunity describe, sObject Rows PATCH with `If-Unmodified-Since` (412),
 * sObject Collections PATCH (≤ 200 records, `allOrNone`, per-record results), Tooling API
 * CustomField create, blob reads of ContentNote bodies, error bodies
 * `[{message, errorCode, fields}]`, and `Sforce-Limit-Info: api-usage=N/M` on every answer.
 *
 * One simplification: LastModifiedDate ticks by at least a second per change, so that
 * `If-Unmodified-Since` (second precision, as in Salesforce) sees every change a test makes.
 */
export const API_VERSION = 'v60.0';

export type SalesforceFault =
  /** `applied`: the request takes effect and then the answer is lost in the 5xx. */
  | { readonly status: 500 | 502 | 503; readonly applied?: boolean }
  | {
      readonly status: 400 | 403 | 404;
      readonly errorCode: string;
      readonly message: string;
      readonly fields?: readonly string[];
    };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
  status: number;
}

export interface FieldDescribe {
  name: string;
  label: string;
  type: string;
  custom: boolean;
  updateable: boolean;
  nillable: boolean;
  length: number;
  referenceTo: string[];
  relationshipName: string | null;
  restrictedPicklist: boolean;
  picklistValues: Array<{ value: string; label: string; active: boolean; defaultValue: boolean }>;
}

type Row = Record<string, unknown>;

export interface SalesforceStandIn {
  /** The instance (and login) URL. */
  readonly url: string;
  /** A session id valid from the start (the SALESFORCE_ACCESS_TOKEN route). */
  readonly accessToken: string;
  /** The connected app's consumer key, the integration user, and the key the app's certificate holds. */
  readonly clientId: string;
  readonly username: string;
  readonly privateKeyPem: string;
  readonly requests: RecordedRequest[];
  /** Each field change a write made: [record, field, value]. */
  readonly changes: Array<[string, string, unknown]>;
  /** Fields set to null by a write (only undo may cause one). */
  readonly cleared: Array<[string, string]>;
  latencyMs: number;
  /** The org's daily API request allocation, and how much of it is used. */
  dailyLimit: number;
  apiUsage: number;
  /** Fields the integration user cannot see (no read FLS) or cannot edit (read-only FLS). */
  readonly hiddenFields: Set<string>;
  readonly readOnlyFields: Set<string>;
  /** New custom fields get no field-level security for the integration user (Salesforce's default outside admins). */
  newFieldsHidden: boolean;
  /** Validation rules: a message and the fields it names, or null when the record passes. */
  readonly validationRules: Array<(record: Row) => { message: string; fields: string[] } | null>;
  fault: (request: RecordedRequest) => SalesforceFault | undefined;
  /** Called when an update arrives, before its precondition is checked (a rep's edit in the gap). */
  beforeUpdate: (recordId: string) => void;
  /** Loads a local-CRM seed: standard fields by their Salesforce names, the rest as `X__c`. */
  load(seed: SeedFile): void;
  opportunity(id: string): Row | undefined;
  /** Someone editing the opportunity in Salesforce; `field` is the API name. */
  setField(id: string, field: string, value: unknown): void;
  field(name: string): FieldDescribe | undefined;
  /** Every issued session id stops working (Salesforce's session timeout). */
  expireSessions(): void;
  close(): Promise<void>;
}

/** A seed's builtin property names as Salesforce calls the standard field. */
export const STANDARD_NAMES: Readonly<Record<string, string>> = {
  amount: 'Amount',
  closedate: 'CloseDate',
  dealstage: 'StageName',
};

/** `economic_buyer` → `Economic_Buyer__c`: how an admin would name the custom field. */
export function customName(seedName: string): string {
  return `${seedName
    .split('_')
    .filter((s) => s !== '')
    .map((s) => s[0]?.toUpperCase() + s.slice(1))
    .join('_')}__c`;
}

export function apiNameOf(seedName: string): string {
  return STANDARD_NAMES[seedName] ?? customName(seedName);
}

const OTHER_OBJECTS: Record<string, readonly string[]> = {
  User: ['Id', 'Name', 'Email', 'IsActive', 'UserType'],
  Task: [
    'Id',
    'WhatId',
    'Subject',
    'Description',
    'TaskSubtype',
    'Type',
    'Status',
    'ActivityDate',
    'CreatedDate',
  ],
  Event: ['Id', 'WhatId', 'Subject', 'Description', 'StartDateTime', 'CreatedDate'],
  EmailMessage: ['Id', 'ActivityId', 'RelatedToId', 'Incoming', 'Subject', 'TextBody'],
  ContentDocumentLink: ['Id', 'ContentDocumentId', 'LinkedEntityId', 'ShareType'],
  ContentNote: [
    'Id',
    'Title',
    'TextPreview',
    'Content',
    'ContentSize',
    'FileType',
    'CreatedDate',
    'LastModifiedDate',
  ],
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: readonly string[] = [],
  ) {
    super(message);
  }
}

export async function startSalesforceStandIn(
  options: { dailyLimit?: number } = {},
): Promise<SalesforceStandIn> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const accessToken = `00D000000000001!${randomUUID()}`;
  const sessions = new Set([accessToken]);
  const tables = new Map<string, Map<string, Row>>(
    ['Opportunity', ...Object.keys(OTHER_OBJECTS)].map((o) => [o, new Map()]),
  );
  const describe = new Map<string, FieldDescribe>();
  const cursors = new Map<string, { rows: Row[] }>();
  let lastTick = 0;
  let nextId = 1;
  const tick = () => {
    lastTick = Math.max(Date.now(), Math.floor(lastTick / 1000) * 1000 + 1000);
    return new Date(lastTick).toISOString().replace('Z', '+0000');
  };
  const table = (name: string) => tables.get(name) as Map<string, Row>;

  const field = (
    name: string,
    label: string,
    type: string,
    extra: Partial<FieldDescribe> = {},
  ): FieldDescribe => {
    const f: FieldDescribe = {
      name,
      label,
      type,
      custom: name.endsWith('__c'),
      updateable: true,
      nillable: true,
      length: type === 'textarea' ? 32768 : type === 'string' ? 255 : 0,
      referenceTo: [],
      relationshipName: null,
      restrictedPicklist: false,
      picklistValues: [],
      ...extra,
    };
    describe.set(name.toLowerCase(), f);
    return f;
  };
  const picklist = (values: readonly string[]) =>
    values.map((value) => ({ value, label: value, active: true, defaultValue: false }));
  field('Id', 'Opportunity ID', 'id', { updateable: false, nillable: false });
  field('Name', 'Name', 'string', { nillable: false, length: 120 });
  field('OwnerId', 'Owner ID', 'reference', {
    referenceTo: ['User'],
    relationshipName: 'Owner',
    nillable: false,
  });
  field('AccountId', 'Account ID', 'reference', {
    referenceTo: ['Account'],
    relationshipName: 'Account',
  });
  field('StageName', 'Stage', 'picklist', {
    nillable: false,
    restrictedPicklist: true,
    picklistValues: picklist(['Prospecting', 'Qualification', 'Closed Won', 'Closed Lost']),
  });
  field('Amount', 'Amount', 'currency');
  field('CloseDate', 'Close Date', 'date', { nillable: false });
  field('Probability', 'Probability (%)', 'percent');
  field('ForecastCategoryName', 'Forecast Category', 'picklist', {
    picklistValues: picklist(['Pipeline', 'Best Case', 'Commit', 'Closed', 'Omitted']),
  });
  field('IsClosed', 'Closed', 'boolean', { updateable: false });
  field('IsWon', 'Won', 'boolean', { updateable: false });
  field('NextStep', 'Next Step', 'string');
  field('Description', 'Description', 'textarea');
  field('CreatedDate', 'Created Date', 'datetime', { updateable: false });
  field('LastModifiedDate', 'Last Modified Date', 'datetime', { updateable: false });
  field('SystemModstamp', 'System Modstamp', 'datetime', { updateable: false });

  const state: SalesforceStandIn = {
    url: '',
    accessToken,
    clientId: `3MVG9${randomUUID().replace(/-/g, '')}`,
    username: 'scout-integration@example.com',
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    requests: [],
    changes: [],
    cleared: [],
    latencyMs: 0,
    dailyLimit: options.dailyLimit ?? 1_000_000,
    apiUsage: 0,
    hiddenFields: new Set(),
    readOnlyFields: new Set(),
    newFieldsHidden: false,
    validationRules: [],
    fault: () => undefined,
    beforeUpdate: () => {},
    load,
    opportunity: (id) => table('Opportunity').get(id),
    setField(id, name, value) {
      const row = table('Opportunity').get(id);
      const f = describe.get(name.toLowerCase());
      if (!row || !f) throw new Error(`no opportunity ${id} or field ${name}`);
      row[f.name] = value;
      row.LastModifiedDate = tick();
    },
    field: (name) => describe.get(name.toLowerCase()),
    expireSessions: () => sessions.clear(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  function load(seed: SeedFile): void {
    for (const u of seed.users)
      table('User').set(u.id, {
        Id: u.id,
        Name: u.name,
        Email: u.email ?? null,
        IsActive: true,
        UserType: 'Standard',
      });
    for (const p of seed.properties) defineSeedField(p);
    for (const d of seed.deals) {
      const created = '2026-01-01T00:00:00.000+0000';
      const row: Row = {
        Id: d.id,
        Name: d.name,
        OwnerId: d.owner_id ?? null,
        CreatedDate: created,
        LastModifiedDate: created,
      };
      for (const [k, v] of Object.entries(d.properties)) {
        const name = apiNameOf(k);
        if (!describe.has(name.toLowerCase()))
          defineSeedField({ name: k, label: k, type: typeof v === 'number' ? 'number' : 'text' });
        row[(describe.get(name.toLowerCase()) as FieldDescribe).name] = v;
      }
      table('Opportunity').set(d.id, row);
      for (const n of d.notes) {
        const when = new Date(n.created_at).toISOString().replace('Z', '+0000');
        if (n.type === 'meeting')
          table('Event').set(n.id, {
            Id: n.id,
            WhatId: d.id,
            Subject: 'Meeting',
            Description: n.body,
            StartDateTime: when,
            CreatedDate: when,
          });
        else if (n.type === 'note') {
          table('ContentNote').set(n.id, {
            Id: n.id,
            Title: 'Note',
            TextPreview: n.body.slice(0, 255),
            Content: n.body,
            ContentSize: Buffer.byteLength(n.body),
            FileType: 'SNOTE',
            CreatedDate: when,
            LastModifiedDate: when,
          });
          const link = `06A${String(nextId++).padStart(15, '0')}`;
          table('ContentDocumentLink').set(link, {
            Id: link,
            ContentDocumentId: n.id,
            LinkedEntityId: d.id,
            ShareType: 'I',
          });
        } else {
          const subtype = n.type === 'call' ? 'Call' : 'Email';
          table('Task').set(n.id, {
            Id: n.id,
            WhatId: d.id,
            Subject: subtype,
            Description: n.body,
            TaskSubtype: subtype,
            Type: subtype,
            Status: 'Completed',
            ActivityDate: n.created_at.slice(0, 10),
            CreatedDate: when,
          });
          if (subtype === 'Email') {
            const id = `02s${String(nextId++).padStart(15, '0')}`;
            table('EmailMessage').set(id, {
              Id: id,
              ActivityId: n.id,
              RelatedToId: d.id,
              Incoming: n.type === 'email_reply',
              Subject: 'Email',
              TextBody: n.body,
            });
          }
        }
      }
    }
  }

  function defineSeedField(p: PropertyDef): void {
    const name = apiNameOf(p.name);
    const existing = describe.get(name.toLowerCase());
    if (existing) {
      if (p.type === 'enum' && existing.type === 'picklist')
        existing.picklistValues = picklist([
          ...new Set([...existing.picklistValues.map((v) => v.value), ...(p.options ?? [])]),
        ]);
      return;
    }
    switch (p.type) {
      case 'text':
        field(name, p.label, 'string');
        return;
      case 'number':
        field(name, p.label, 'double');
        return;
      case 'date':
        field(name, p.label, 'date');
        return;
      case 'enum':
        field(name, p.label, 'picklist', {
          restrictedPicklist: true,
          picklistValues: picklist(p.options ?? []),
        });
        return;
      case 'user':
        field(name, p.label, 'reference', {
          referenceTo: ['User'],
          relationshipName: name.replace(/__c$/, '__r'),
        });
        return;
    }
  }

  const visible = (f: FieldDescribe | undefined): f is FieldDescribe =>
    f !== undefined && !state.hiddenFields.has(f.name);

  /** A field name of `object` as Salesforce resolves it (case-insensitively), or INVALID_FIELD. */
  const resolve = (object: string, name: string): string => {
    if (object === 'Opportunity') {
      const f = describe.get(name.toLowerCase());
      if (visible(f)) return f.name;
    } else {
      const known = OTHER_OBJECTS[object]?.find((n) => n.toLowerCase() === name.toLowerCase());
      if (known) return known;
    }
    throw new ApiError(
      400,
      'INVALID_FIELD',
      `\n${name}\n ^\nERROR at Row:1:Column:8\nNo such column '${name}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  };

  const attributes = (object: string, id: string) => ({
    type: object,
    url: `/services/data/${API_VERSION}/sobjects/${object}/${id}`,
  });

  function runQuery(soql: string, batchSize: number) {
    let q: ReturnType<typeof parseSoql>;
    try {
      q = parseSoql(soql);
    } catch (e) {
      throw new ApiError(400, 'MALFORMED_QUERY', (e as SoqlError).message);
    }
    const object =
      [...tables.keys()].find((o) => o.toLowerCase() === q.object.toLowerCase()) ?? null;
    if (!object)
      throw new ApiError(
        400,
        'INVALID_TYPE',
        `sObject type '${q.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
      );
    const where = q.where.map((c) => ({ ...c, field: resolve(object, c.field) }));
    if (
      object === 'ContentDocumentLink' &&
      !where.some((c) => ['ContentDocumentId', 'LinkedEntityId'].includes(c.field))
    )
      throw new ApiError(
        400,
        'MALFORMED_QUERY',
        "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.",
      );
    for (const c of where)
      if (c.op === 'IN' && (c.value as unknown[]).length > 4000)
        throw new ApiError(400, 'MALFORMED_QUERY', 'too many values in IN list');
    let rows = [...table(object).values()].filter((r) =>
      where.every((c) => matches(r[c.field], c)),
    );
    const order = q.orderBy.map((o) => ({ ...o, field: resolve(object, o.field) }));
    rows.sort((a, b) => {
      for (const o of order) {
        const d = compareValues(a[o.field], b[o.field]);
        if (d !== 0) return o.desc ? -d : d;
      }
      return 0;
    });
    if (q.limit !== null) rows = rows.slice(0, q.limit);
    if (q.fields === 'COUNT') return { totalSize: rows.length, done: true, records: [] };
    const names = q.fields.map((f) => resolve(object, f));
    const projected = rows.map((r) => {
      const id = String(r.Id);
      const out: Row = { attributes: attributes(object, id) };
      for (const n of names)
        out[n] =
          object === 'ContentNote' && n === 'Content'
            ? `/services/data/${API_VERSION}/sobjects/ContentNote/${id}/Content`
            : (r[n] ?? null);
      return out;
    });
    return page(projected, batchSize);
  }

  function page(rows: Row[], batchSize: number, locator?: string, offset = 0) {
    const end = offset + batchSize;
    const done = end >= rows.length;
    let key = locator;
    if (!done && !key) {
      key = `01g${String(nextId++).padStart(15, '0')}`;
      cursors.set(key, { rows });
    }
    return {
      totalSize: rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/${API_VERSION}/query/${key}-${end}` }),
      records: rows.slice(offset, end),
    };
  }

  /** Applies one record's changes, all or none, throwing the error Salesforce would give. */
  function update(id: string, values: Row, ifUnmodifiedSince?: string): void {
    const row = table('Opportunity').get(id);
    if (!row) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist', ['Id']);
    state.beforeUpdate(id);
    if (ifUnmodifiedSince !== undefined) {
      const since = Date.parse(ifUnmodifiedSince);
      if (Number.isNaN(since) || !/GMT$/.test(ifUnmodifiedSince))
        throw new ApiError(400, 'INVALID_HEADER_TYPE', 'Invalid If-Unmodified-Since header');
      const modified = Math.floor(Date.parse(String(row.LastModifiedDate)) / 1000) * 1000;
      if (modified > since)
        throw new ApiError(
          412,
          'PRECONDITION_FAILED',
          `The requested resource has been modified since ${ifUnmodifiedSince}`,
        );
    }
    const next: Row = { ...row };
    for (const [key, value] of Object.entries(values)) {
      const name = resolve('Opportunity', key);
      const f = describe.get(name.toLowerCase()) as FieldDescribe;
      if (!f.updateable || state.readOnlyFields.has(f.name))
        throw new ApiError(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [f.name],
        );
      next[f.name] = checkValue(f, value === '' ? null : value);
    }
    for (const rule of state.validationRules) {
      const broken = rule(next);
      if (broken)
        throw new ApiError(400, 'FIELD_CUSTOM_VALIDATION_EXCEPTION', broken.message, broken.fields);
    }
    for (const key of Object.keys(values)) {
      const name = resolve('Opportunity', key);
      const stored = next[name];
      state.changes.push([id, name, stored]);
      if (stored === null) state.cleared.push([id, name]);
    }
    next.LastModifiedDate = tick();
    next.SystemModstamp = next.LastModifiedDate;
    table('Opportunity').set(id, next);
  }

  function checkValue(f: FieldDescribe, value: unknown): unknown {
    const bad = (why: string) =>
      new ApiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize ${f.name}: ${why}`, [f.name]);
    if (value === null) {
      if (!f.nillable)
        throw new ApiError(
          400,
          'REQUIRED_FIELD_MISSING',
          `Required fields are missing: [${f.name}]`,
          [f.name],
        );
      return null;
    }
    switch (f.type) {
      case 'double':
      case 'currency':
      case 'percent':
        if (typeof value !== 'number') throw bad(`${JSON.stringify(value)} is not a number`);
        return value;
      case 'date':
        if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value))
          throw bad(`${JSON.stringify(value)} is not a date`);
        return value;
      case 'picklist':
        if (
          typeof value !== 'string' ||
          (f.restrictedPicklist && !f.picklistValues.some((p) => p.value === value))
        )
          throw new ApiError(
            400,
            'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            `${f.label}: bad value for restricted picklist field: ${String(value)}`,
            [f.name],
          );
        return value;
      case 'reference':
        if (
          typeof value !== 'string' ||
          (f.referenceTo.includes('User') && !table('User').has(value))
        )
          throw new ApiError(
            400,
            'FIELD_INTEGRITY_EXCEPTION',
            `${f.label}: id value of incorrect type: ${String(value)}`,
            [f.name],
          );
        return value;
      default:
        if (typeof value !== 'string') throw bad(`${JSON.stringify(value)} is not text`);
        if (value.length > f.length)
          throw new ApiError(
            400,
            'STRING_TOO_LONG',
            `${f.label}: data value too large: ${value.slice(0, 40)} (max length=${f.length})`,
            [f.name],
          );
        return value;
    }
  }

  function createCustomField(body: unknown): [number, unknown] {
    const b = body as { FullName?: unknown; Metadata?: Record<string, unknown> };
    const full = typeof b?.FullName === 'string' ? b.FullName : '';
    const m = /^Opportunity\.([A-Za-z][A-Za-z0-9_]*__c)$/.exec(full);
    if (!m?.[1] || !b.Metadata || m[1].includes('___') || /__.*__c$/.test(m[1].slice(0, -3)))
      throw new ApiError(400, 'INVALID_FIELD', `invalid FullName ${full}`);
    const name = m[1];
    if (describe.has(name.toLowerCase()))
      throw new ApiError(
        400,
        'DUPLICATE_DEVELOPER_NAME',
        'This Custom Field Name already exists or has been previously used.  Please choose a different name.',
      );
    if (name.length - 3 > 40)
      throw new ApiError(400, 'FIELD_INTEGRITY_EXCEPTION', 'Field name is too long (max 40)');
    const md = b.Metadata;
    const label = String(md.label ?? name);
    switch (md.type) {
      case 'LongTextArea':
        field(name, label, 'textarea', { length: Number(md.length ?? 32768) });
        break;
      case 'Text':
        field(name, label, 'string', { length: Number(md.length ?? 255) });
        break;
      case 'Number':
        field(name, label, 'double');
        break;
      case 'Date':
        field(name, label, 'date');
        break;
      case 'Picklist': {
        const values =
          (md.valueSet as { valueSetDefinition?: { value?: Array<{ fullName: string }> } })
            ?.valueSetDefinition?.value ?? [];
        field(name, label, 'picklist', {
          restrictedPicklist: true,
          picklistValues: picklist(values.map((v) => v.fullName)),
        });
        break;
      }
      case 'Lookup':
        if (md.referenceTo !== 'User')
          throw new ApiError(400, 'FIELD_INTEGRITY_EXCEPTION', 'only User lookups here');
        field(name, label, 'reference', {
          referenceTo: ['User'],
          relationshipName: String(md.relationshipName ?? name.replace(/__c$/, '')),
        });
        break;
      default:
        throw new ApiError(400, 'FIELD_INTEGRITY_EXCEPTION', `unknown type ${String(md.type)}`);
    }
    if (state.newFieldsHidden) state.hiddenFields.add(name);
    return [201, { id: `00N${String(nextId++).padStart(15, '0')}`, success: true, errors: [] }];
  }

  async function route(r: RecordedRequest): Promise<[number, unknown, string?]> {
    const base = `/services/data/${API_VERSION}`;
    const p = r.path;
    if (r.method === 'GET' && p === `${base}/query`) {
      const q = r.query.get('q');
      if (!q) throw new ApiError(400, 'MALFORMED_QUERY', 'q is required');
      const option = /batchSize=(\d+)/.exec(r.headers['sforce-query-options'] ?? '');
      const size = Math.max(200, Math.min(2000, Number(option?.[1] ?? 2000)));
      return [200, runQuery(q, size)];
    }
    const more = new RegExp(`^${base}/query/(01g\\d+)-(\\d+)$`).exec(p);
    if (r.method === 'GET' && more?.[1] && more[2]) {
      const cursor = cursors.get(more[1]);
      if (!cursor) throw new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      const offset = Number(more[2]);
      const size = Math.min(2000, cursor.rows.length - offset);
      const answer = page(cursor.rows, Math.max(size, 1), more[1], offset);
      if (answer.done) cursors.delete(more[1]);
      return [200, answer];
    }
    if (r.method === 'GET' && p === `${base}/sobjects/Opportunity/describe`) {
      return [
        200,
        {
          name: 'Opportunity',
          label: 'Opportunity',
          queryable: true,
          updateable: true,
          fields: [...describe.values()]
            .filter((f) => !state.hiddenFields.has(f.name))
            .map((f) => ({
              ...f,
              updateable: f.updateable && !state.readOnlyFields.has(f.name),
            })),
        },
      ];
    }
    const blob = new RegExp(`^${base}/sobjects/ContentNote/([^/]+)/Content$`).exec(p);
    if (r.method === 'GET' && blob?.[1]) {
      const note = table('ContentNote').get(blob[1]);
      if (!note) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      return [200, String(note.Content), 'text/plain'];
    }
    const row = new RegExp(`^${base}/sobjects/Opportunity/([^/]+)$`).exec(p);
    if (r.method === 'PATCH' && row?.[1]) {
      const body = r.body as Row;
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw new ApiError(400, 'JSON_PARSER_ERROR', 'The body must be a JSON object');
      update(row[1], body, r.headers['if-unmodified-since']);
      return [204, null];
    }
    if (r.method === 'PATCH' && p === `${base}/composite/sobjects`) {
      const body = r.body as { allOrNone?: unknown; records?: unknown };
      if (!Array.isArray(body?.records))
        throw new ApiError(400, 'JSON_PARSER_ERROR', 'records is required');
      if (body.records.length > 200)
        throw new ApiError(
          400,
          'EXCEEDED_ID_LIMIT',
          'record limit reached. cannot submit more than 200 records into this call',
        );
      // Unknown fields fail the whole request, as a body Salesforce cannot deserialize.
      for (const rec of body.records as Row[])
        for (const k of Object.keys(rec))
          if (k !== 'attributes' && k !== 'id') resolve('Opportunity', k);
      const results = (body.records as Row[]).map((rec) => {
        const { attributes: a, id, ...values } = rec;
        if ((a as { type?: unknown })?.type !== 'Opportunity')
          return failure(String(id), 'INVALID_TYPE', 'attributes.type must be Opportunity');
        try {
          update(String(id), values);
          return { id, success: true, errors: [] };
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          return failure(String(id), e.errorCode, e.message, e.fields);
        }
      });
      return [200, results];
    }
    if (r.method === 'POST' && p === `${base}/tooling/sobjects/CustomField`)
      return createCustomField(r.body);
    throw new ApiError(404, 'NOT_FOUND', `The requested resource does not exist: ${r.method} ${p}`);
  }

  function tokenGrant(form: URLSearchParams): [number, unknown] {
    const fail = (description: string) =>
      [400, { error: 'invalid_grant', error_description: description }] as [number, unknown];
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return [
        400,
        { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
      ];
    const [h, c, s] = (form.get('assertion') ?? '').split('.');
    if (!h || !c || !s) return fail('invalid assertion');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
    if (header.alg !== 'RS256') return fail('invalid assertion algorithm');
    const ok = verify(
      'RSA-SHA256',
      Buffer.from(`${h}.${c}`),
      publicKey,
      Buffer.from(s, 'base64url'),
    );
    if (!ok) return fail('invalid assertion signature');
    if (claims.iss !== state.clientId)
      return [400, { error: 'invalid_client_id', error_description: 'client identifier invalid' }];
    if (claims.sub !== state.username) return fail("user hasn't approved this consumer");
    if (claims.aud !== state.url) return fail('audience is invalid');
    if (
      typeof claims.exp !== 'number' ||
      claims.exp * 1000 < Date.now() ||
      claims.exp * 1000 > Date.now() + 5 * 60_000
    )
      return fail('expired access/refresh token');
    const token = `00D000000000001!${randomUUID()}`;
    sessions.add(token);
    return [
      200,
      {
        access_token: token,
        scope: 'api',
        instance_url: state.url,
        id: `${state.url}/id/00D000000000001/005000000000001`,
        token_type: 'Bearer',
      },
    ];
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', async () => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
      );
      const json = headers['content-type']?.includes('json');
      const recorded: RecordedRequest = {
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers,
        body: raw === '' ? undefined : json ? safeJson(raw) : raw,
        status: 0,
      };
      state.requests.push(recorded);
      if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
      const send = (status: number, payload: unknown, type = 'application/json;charset=UTF-8') => {
        recorded.status = status;
        response.writeHead(status, {
          'content-type': type,
          'sforce-limit-info': `api-usage=${state.apiUsage}/${state.dailyLimit}`,
        });
        response.end(
          status === 204
            ? undefined
            : type.startsWith('text/')
              ? String(payload)
              : JSON.stringify(payload),
        );
      };
      const error = (e: ApiError) =>
        send(e.status, [{ message: e.message, errorCode: e.errorCode, fields: e.fields }]);

      if (recorded.path === '/services/oauth2/token' && recorded.method === 'POST') {
        let [status, payload]: [number, unknown] = [
          400,
          { error: 'invalid_grant', error_description: 'invalid assertion' },
        ];
        try {
          [status, payload] = tokenGrant(new URLSearchParams(raw));
        } catch {
          // A malformed assertion is a refused grant, as Salesforce answers it.
        }
        recorded.status = status;
        response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
        response.end(JSON.stringify(payload));
        return;
      }
      const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
      if (!bearer || !sessions.has(bearer)) {
        error(new ApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'));
        return;
      }
      if (state.apiUsage >= state.dailyLimit) {
        error(new ApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'));
        return;
      }
      state.apiUsage += 1;
      const fault = state.fault(recorded);
      if (fault && 'errorCode' in fault) {
        error(new ApiError(fault.status, fault.errorCode, fault.message, fault.fields));
        return;
      }
      if (fault && !fault.applied) {
        send(fault.status, 'Service Unavailable', 'text/html');
        return;
      }
      try {
        if (raw !== '' && json && recorded.body === undefined)
          throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body is not JSON');
        const [status, payload, type] = await route(recorded);
        if (fault) send(fault.status, 'Service Unavailable', 'text/html');
        else send(status, payload, type);
      } catch (e) {
        if (e instanceof ApiError) error(e);
        else error(new ApiError(500, 'UNKNOWN_EXCEPTION', (e as Error).message));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (state as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

function failure(id: string, statusCode: string, message: string, fields: readonly string[] = []) {
  return { id, success: false, errors: [{ statusCode, message, fields }] };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
