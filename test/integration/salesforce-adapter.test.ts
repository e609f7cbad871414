import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSalesforceCrm } from '../../src/crm/salesforce/open-salesforce-crm.js';
import type { SeedFile } from '../../src/crm/seed-file.js';
import { FIXTURE } from '../conformance/fixture.js';
import { type SalesforceStandIn, startSalesforceStandIn } from '../support/salesforce-stand-in.js';

const KINDS = ['call', 'meeting', 'email', 'email_reply', 'note'] as const;
const FAST = { retry: { attempts: 4, baseMs: 1, maxMs: 5 } };

function direct(standIn: SalesforceStandIn, reserve = 0, token = standIn.accessToken) {
  return openSalesforceCrm(
    {
      SALESFORCE_LOGIN_URL: standIn.url,
      SALESFORCE_INSTANCE_URL: standIn.url,
      SALESFORCE_ACCESS_TOKEN: token,
      SALESFORCE_CLIENT_ID: undefined,
      SALESFORCE_USERNAME: undefined,
      SALESFORCE_PRIVATE_KEY_FILE: undefined,
      SALESFORCE_API_RESERVE: reserve,
    },
    FAST,
  ).crm;
}

function viaJwt(standIn: SalesforceStandIn) {
  const dir = mkdtempSync(join(tmpdir(), 'scout-sf-key-'));
  writeFileSync(join(dir, 'key.pem'), standIn.privateKeyPem);
  return openSalesforceCrm(
    {
      SALESFORCE_LOGIN_URL: standIn.url,
      SALESFORCE_INSTANCE_URL: undefined,
      SALESFORCE_ACCESS_TOKEN: undefined,
      SALESFORCE_CLIENT_ID: standIn.clientId,
      SALESFORCE_USERNAME: standIn.username,
      SALESFORCE_PRIVATE_KEY_FILE: join(dir, 'key.pem'),
      SALESFORCE_API_RESERVE: 0,
    },
    FAST,
  ).crm;
}

/** `n` opportunities 2001… with an empty text field, `notes` calls each. */
function manyDeals(n: number, notes = 0): SeedFile {
  return {
    users: [{ id: '101', name: 'Ana Ruiz', email: 'ana@example.com' }],
    properties: [{ name: 'economic_buyer', label: 'Economic buyer', type: 'text' }],
    deals: Array.from({ length: n }, (_, i) => ({
      id: String(2001 + i),
      name: `Deal ${i}`,
      owner_id: '101',
      properties: {},
      notes: Array.from({ length: notes }, (_, j) => ({
        id: String(900_000 + i * 100 + j),
        type: KINDS[j % KINDS.length] ?? 'note',
        created_at: new Date(Date.UTC(2026, 10, 1, 0, j)).toISOString(),
        body: `Note ${j} of deal ${i}.`,
      })),
    })),
  };
}

describe('Salesforce adapter against the stand-in', () => {
  let standIn: SalesforceStandIn;
  beforeEach(async () => {
    standIn = await startSalesforceStandIn();
  });
  afterEach(async () => {
    await standIn.close();
  });

  it('logs in with the JWT bearer flow and logs in again when the session expires', async () => {
    standIn.load(FIXTURE);
    const crm = viaJwt(standIn);
    expect((await crm.listUsers()).map((u) => u.email)).toEqual([
      'ana@example.com',
      'ben@example.com',
    ]);
    standIn.expireSessions();
    expect(await crm.countDeals()).toBe(5);
    const logins = standIn.requests.filter((r) => r.path === '/services/oauth2/token');
    expect(logins.map((r) => r.status)).toEqual([200, 200]);
    const assertion = new URLSearchParams(String(logins[0]?.body)).get('assertion') ?? '';
    const claims = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({
      iss: standIn.clientId,
      sub: standIn.username,
      aud: standIn.url,
    });
  });

  it('says which setting to fix when a given session is refused, without echoing it', async () => {
    standIn.load(FIXTURE);
    const crm = direct(standIn, 0, 'not-a-session');
    const error = await crm.countDeals().catch((e: Error) => e);
    expect(String(error)).toMatch(/SALESFORCE_ACCESS_TOKEN/);
    expect(String(error)).not.toMatch(/not-a-session/);
  });

  it('sends one deal’s write with If-Unmodified-Since; a rep’s edit of that field in the gap ends in conflict', async () => {
    standIn.load(FIXTURE);
    const crm = direct(standIn);
    standIn.beforeUpdate = (id) => {
      standIn.beforeUpdate = () => {};
      standIn.setField(id, 'Economic_Buyer__c', 'Rep typed this');
    };
    const results = await crm.writeProperties([
      { dealId: '1001', property: 'economic_buyer', value: 'Scout', expected: 'Dana (CFO)' },
    ]);
    expect(results).toEqual([{ status: 'conflict', current: 'Rep typed this' }]);
    const patch = standIn.requests.find((r) => r.method === 'PATCH');
    expect(patch?.status).toBe(412);
    expect(patch?.headers['if-unmodified-since']).toMatch(/GMT$/);
    expect(standIn.opportunity('1001')?.Economic_Buyer__c).toBe('Rep typed this');
  });

  it('after a 412 for an edit of another field, compares again and writes', async () => {
    standIn.load(FIXTURE);
    const crm = direct(standIn);
    standIn.beforeUpdate = (id) => {
      standIn.beforeUpdate = () => {};
      standIn.setField(id, 'NextStep', 'Call back');
    };
    const results = await crm.writeProperties([
      { dealId: '1001', property: 'economic_buyer', value: 'Scout', expected: 'Dana (CFO)' },
    ]);
    expect(results).toEqual([{ status: 'written' }]);
    expect(standIn.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([
      412, 204,
    ]);
    expect(standIn.opportunity('1001')).toMatchObject({
      Economic_Buyer__c: 'Scout',
      NextStep: 'Call back',
    });
  });

  it('batches writes in Collections of 200 with one compare read each, and reports each record', async () => {
    standIn.load(manyDeals(450));
    standIn.validationRules.push((r) =>
      r.Id === '2002'
        ? { message: 'Economic buyer needs a title', fields: ['Economic_Buyer__c'] }
        : null,
    );
    const crm = direct(standIn);
    const before = standIn.requests.length;
    const results = await crm.writeProperties(
      Array.from({ length: 450 }, (_, i) => ({
        dealId: String(2001 + i),
        property: 'economic_buyer',
        value: `Buyer ${i}`,
        expected: null,
      })),
    );
    const sent = standIn.requests.slice(before);
    const collections = sent.filter((r) => r.path.endsWith('/composite/sobjects'));
    expect(collections.map((r) => (r.body as { records: unknown[] }).records.length)).toEqual([
      200, 200, 50,
    ]);
    expect(collections.every((r) => (r.body as { allOrNone: boolean }).allOrNone === false)).toBe(
      true,
    );
    expect(sent.filter((r) => r.path.endsWith('/query'))).toHaveLength(3);
    expect(results.filter((r) => r.status === 'written')).toHaveLength(449);
    expect(results[1]).toEqual({
      status: 'failed',
      reason: expect.stringMatching(
        /validation rule.*economic_buyer \(Economic_Buyer__c\) on deal 2002: Economic buyer needs a title/,
      ),
    });
    expect(standIn.opportunity('2002')?.Economic_Buyer__c).toBeUndefined();
  });

  it('refuses, in plain words, a field its permission set cannot edit, and never sends an empty value', async () => {
    standIn.load(FIXTURE);
    standIn.readOnlyFields.add('Seats__c');
    const crm = direct(standIn);
    const results = await crm.writeProperties([
      { dealId: '1004', property: 'seats', value: 3, expected: null },
      { dealId: '1004', property: 'economic_buyer', value: '  ', expected: null },
    ]);
    expect(results[0]).toEqual({
      status: 'failed',
      reason: expect.stringMatching(/field-level security.*seats \(Seats__c\) on deal 1004/),
    });
    expect(results[1]).toEqual({
      status: 'failed',
      reason: expect.stringMatching(/empty value for economic_buyer/),
    });
    expect(standIn.requests.some((r) => r.method === 'PATCH')).toBe(false);
  });

  it('reads notes in batches: calls do not grow with the number of notes', async () => {
    const calls = async (notes: number) => {
      const s = await startSalesforceStandIn();
      s.load(manyDeals(20, notes));
      const crm = direct(s);
      const ids = Array.from({ length: 20 }, (_, i) => String(2001 + i));
      const found = await crm.notesForDeals(ids);
      const n = s.requests.length;
      await s.close();
      return { n, found: [...found.values()].flat() };
    };
    const few = await calls(5);
    const many = await calls(40);
    expect(many.found).toHaveLength(800);
    expect(many.n).toBe(few.n);
    expect(new Set(many.found.map((n) => n.type))).toEqual(
      new Set(['call', 'meeting', 'email', 'email_reply', 'note']),
    );
  });

  it('stops paging before the daily allocation runs out, and says so loudly', async () => {
    standIn.load(FIXTURE);
    standIn.dailyLimit = 100;
    standIn.apiUsage = 90;
    const crm = direct(standIn, 5);
    const first = await crm.pageDeals({ cursor: null, limit: 2 });
    expect(first.deals).toHaveLength(2);
    standIn.apiUsage = 96;
    await crm.listUsers();
    expect(await crm.pageDeals({ cursor: first.next, limit: 2 })).toEqual({
      deals: [],
      next: null,
    });
    expect(crm.takeWarnings()).toEqual([
      expect.stringMatching(/SALESFORCE API LIMIT.*97 of its 100/),
    ]);
    expect(crm.takeWarnings()).toEqual([]);
  });

  it('retries 503 and concurrent-request limits with backoff, but not a spent daily allocation', async () => {
    standIn.load(FIXTURE);
    const crm = direct(standIn);
    let faults = 2;
    standIn.fault = () => {
      if (faults <= 0) return undefined;
      faults -= 1;
      return faults === 1
        ? { status: 503 }
        : {
            status: 403,
            errorCode: 'REQUEST_LIMIT_EXCEEDED',
            message: 'ConcurrentPerOrgLongTxn Limit exceeded.',
          };
    };
    expect(await crm.countDeals()).toBe(5);
    expect(crm.apiCalls()).toBe(3);
    standIn.fault = () => ({
      status: 403,
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
      message: 'TotalRequests Limit exceeded.',
    });
    await expect(crm.countDeals()).rejects.toThrow(/API request limit is exceeded/);
    expect(crm.apiCalls()).toBe(4);
  });

  it('a Collections answer lost in a 503 after it landed: compared again, reported written, not resent', async () => {
    standIn.load(manyDeals(3));
    const crm = direct(standIn);
    let lost = true;
    standIn.fault = (r) => {
      if (!r.path.endsWith('/composite/sobjects') || !lost) return undefined;
      lost = false;
      return { status: 503, applied: true };
    };
    const results = await crm.writeProperties(
      ['2001', '2002', '2003'].map((dealId) => ({
        dealId,
        property: 'economic_buyer',
        value: 'B',
        expected: null,
      })),
    );
    expect(results).toEqual([{ status: 'written' }, { status: 'written' }, { status: 'written' }]);
    expect(standIn.requests.filter((r) => r.path.endsWith('/composite/sobjects'))).toHaveLength(1);
  });

  it('creates Scout_<Field>__c through the Tooling API, and says when its field-level security hides it', async () => {
    standIn.load(FIXTURE);
    const crm = direct(standIn);
    const def = {
      name: 'scout_forecast',
      label: 'Scout: Forecast',
      type: 'enum' as const,
      options: ['low', 'high'],
    };
    expect(await crm.createProperty(def)).toBe('created');
    const create = standIn.requests.find((r) => r.path.endsWith('/tooling/sobjects/CustomField'));
    expect(create?.body).toMatchObject({
      FullName: 'Opportunity.Scout_Forecast__c',
      Metadata: { type: 'Picklist' },
    });
    expect(standIn.field('Scout_Forecast__c')?.picklistValues.map((p) => p.value)).toEqual([
      'low',
      'high',
    ]);
    expect(await crm.createProperty(def)).toBe('exists');

    standIn.newFieldsHidden = true;
    await expect(
      crm.createProperty({ name: 'scout_seats', label: 'Scout: Seats', type: 'number' }),
    ).rejects.toThrow(
      /created Opportunity.Scout_Seats__c, but Scout's integration user cannot see it/,
    );
  });

  it('reads an Opportunity with hundreds of fields in several queries, joined by Id', async () => {
    const wide: SeedFile = {
      ...manyDeals(3),
      properties: Array.from({ length: 400 }, (_, i) => ({
        name: `custom_measure_number_${i}`,
        label: `Measure ${i}`,
        type: 'number' as const,
      })),
    };
    wide.deals[1] = {
      ...(wide.deals[1] as SeedFile['deals'][number]),
      properties: { custom_measure_number_399: 7 },
    };
    standIn.load(wide);
    const crm = direct(standIn);
    const page = await crm.pageDeals({ cursor: null, limit: 10 });
    expect(page.deals.map((d) => d.id)).toEqual(['2001', '2002', '2003']);
    expect(page.deals[1]?.properties.custom_measure_number_399).toBe(7);
    const queries = standIn.requests.filter((r) => r.path.endsWith('/query'));
    expect(queries.length).toBeGreaterThan(1);
    expect(Math.max(...queries.map((r) => (r.query.get('q') ?? '').length))).toBeLessThan(5000);
  });
});
