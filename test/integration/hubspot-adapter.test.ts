import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHubSpotCrm } from '../../src/crm/hubspot/hubspot-crm.js';
import { createHubSpotHttp, type RetryPolicy } from '../../src/crm/hubspot/hubspot-http.js';
import { openHubSpotCrm } from '../../src/crm/hubspot/open-hubspot-crm.js';
import type { SeedFile } from '../../src/crm/seed-file.js';
import type { PropertyWrite } from '../../src/services/ports/crm.js';
import { FIXTURE } from '../conformance/fixture.js';
import {
  type HubSpotStandIn,
  type RecordedRequest,
  startHubSpotStandIn,
} from '../support/hubspot-stand-in.js';
import { busiestWindow } from '../support/rolling-window.js';

const FAST_RETRY: RetryPolicy = {
  attempts: 4,
  baseMs: 5,
  maxMs: 20,
  rateLimitedAttempts: 8,
  defaultRetryAfterMs: 50,
};
const open: Array<{ close(): Promise<void> }> = [];

function adapter(
  standIn: HubSpotStandIn,
  options: {
    budget?: { requests: number; windowMs: number };
    token?: string;
  } = {},
) {
  const opened = openHubSpotCrm({
    token: options.token ?? standIn.token,
    baseUrl: standIn.url,
    budget: options.budget ?? { requests: 10_000, windowMs: 10_000 },
    searchBudget: { requests: 1000, windowMs: 1000 },
    keyPrefix: `t-${randomUUID()}`,
    retry: FAST_RETRY,
  });
  open.push(opened);
  return opened.crm;
}

/** `n` deals 2001… with no properties, for bulk writes. */
function manyDeals(n: number): SeedFile {
  return {
    users: [],
    properties: [{ name: 'economic_buyer', label: 'Economic buyer', type: 'text' }],
    deals: Array.from({ length: n }, (_, i) => ({
      id: String(2001 + i),
      name: `Deal ${i}`,
      owner_id: null,
      properties: {},
      notes: [],
    })),
  };
}

describe('HubSpot adapter against the stand-in', () => {
  let standIn: HubSpotStandIn;
  beforeEach(async () => {
    standIn = await startHubSpotStandIn();
    standIn.load(FIXTURE);
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
    await standIn.close();
  });

  it('never sends more than the budget in any rolling window (one process, memory store)', async () => {
    const budget = { requests: 5, windowMs: 500 };
    standIn.rateLimit = budget;
    const crm = adapter(standIn, { budget });
    await Promise.all(Array.from({ length: 24 }, () => crm.listPropertyDefs()));
    expect(standIn.requests).toHaveLength(24);
    expect(standIn.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(
      busiestWindow(
        standIn.requests.map((r) => r.at),
        budget.windowMs,
      ),
    ).toBeLessThanOrEqual(budget.requests);
  });

  it('waits for Retry-After after a 429, then succeeds', async () => {
    let n = 0;
    standIn.fault = () => (n++ === 0 ? { status: 429, retryAfterSeconds: 1 } : undefined);
    const crm = adapter(standIn);
    expect((await crm.listPropertyDefs()).length).toBeGreaterThan(0);
    const [refused, retried] = standIn.requests;
    expect(refused?.status).toBe(429);
    expect(retried?.status).toBe(200);
    expect((retried?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('retries a 5xx on reads and idempotent writes, but never sends a create twice', async () => {
    let reads = 0;
    standIn.fault = (r) =>
      r.method === 'GET' && r.path === '/crm/v3/owners' && reads++ < 2
        ? { status: 503 }
        : undefined;
    const crm = adapter(standIn);
    expect((await crm.listUsers()).map((u) => u.id)).toEqual(['101', '102']);
    expect(standIn.requests.map((r) => r.status)).toEqual([503, 503, 200]);

    standIn.fault = (r) =>
      r.method === 'POST' && r.path === '/crm/v3/properties/deals' ? { status: 502 } : undefined;
    await expect(
      crm.createProperty({
        name: 'scout_economic_buyer',
        label: 'Scout: Economic buyer',
        type: 'text',
      }),
    ).rejects.toThrow(
      /HubSpot failed \(HTTP 502\) while Scout tried to create the deal property scout_economic_buyer/,
    );
    const creates = () =>
      standIn.requests.filter((r) => r.method === 'POST' && r.path === '/crm/v3/properties/deals');
    expect(creates()).toHaveLength(1);
    expect(standIn.properties.has('scout_economic_buyer')).toBe(false);

    // The answer is lost after the property was made: read, not re-sent.
    standIn.fault = (r) =>
      r.method === 'POST' && r.path === '/crm/v3/properties/deals'
        ? { status: 500, applied: true }
        : undefined;
    expect(
      await crm.createProperty({
        name: 'scout_economic_buyer',
        label: 'Scout: Economic buyer',
        type: 'text',
      }),
    ).toBe('created');
    expect(creates()).toHaveLength(2);
    expect(standIn.properties.get('scout_economic_buyer')?.groupName).toBe('scout');
  });

  it('writes each deal exactly once when its update meets a 429, a 500 after the change and a 503 before it', async () => {
    await standIn.close();
    standIn = await startHubSpotStandIn();
    standIn.load(manyDeals(250));
    const crm = adapter(standIn);
    await crm.createProperty({
      name: 'scout_economic_buyer',
      label: 'Scout: Economic buyer',
      type: 'text',
    });
    const isUpdate = (r: RecordedRequest) => r.path === '/crm/v3/objects/deals/batch/update';
    let updates = 0;
    let reads = 0;
    // By path: the first batch (deals 2001-2100) meets a 429 and then a 500 after HubSpot
    // applied it; the second a 503 before anything changed; every fourth batch read a 502.
    standIn.fault = (r) => {
      if (isUpdate(r)) {
        updates += 1;
        if (updates === 1) return { status: 429, retryAfterSeconds: 0 };
        if (updates === 2) return { status: 500, applied: true };
        if (updates === 3) return { status: 503 };
        return undefined;
      }
      if (r.path === '/crm/v3/objects/deals/batch/read' && ++reads % 4 === 0)
        return { status: 502 };
      return undefined;
    };
    const writes: PropertyWrite[] = manyDeals(250).deals.map((d) => ({
      dealId: d.id,
      property: 'scout_economic_buyer',
      value: `Buyer of ${d.id}`,
      expected: null,
    }));
    const results = await crm.writeProperties(writes);
    expect(results.every((r) => r.status === 'written')).toBe(true);
    for (const w of writes) expect(standIn.deal(w.dealId)?.scout_economic_buyer).toBe(w.value);
    // No write lost, none applied twice: the re-read after the lost answer found the first
    // batch in place and sent nothing; the second batch went again after its 503.
    expect(standIn.changes).toEqual(writes.map((w) => [w.dealId, 'scout_economic_buyer', w.value]));
    expect(standIn.cleared).toEqual([]);
    const sentUpdates = standIn.requests.filter(isUpdate);
    expect(sentUpdates.map((r) => r.status)).toEqual([429, 500, 503, 200, 200]);
    expect(sentUpdates.map((r) => (r.body as { inputs: unknown[] }).inputs.length)).toEqual([
      100, 100, 100, 100, 50,
    ]);
  });

  it('reads and compares again before each new try of an update, with no budget wait in between', async () => {
    const events: string[] = [];
    const budget = {
      take: async () => {
        events.push('budget');
        return async () => {};
      },
      pause: async () => {},
    };
    const http = createHubSpotHttp({
      baseUrl: standIn.url,
      token: standIn.token,
      budget,
      searchBudget: budget,
      retry: FAST_RETRY,
    });
    const crm = createHubSpotCrm(http);
    await crm.listPropertyDefs();
    let updates = 0;
    standIn.fault = (r) => {
      events.push(`${r.method} ${r.path}`);
      if (r.path !== '/crm/v3/objects/deals/batch/update') return undefined;
      updates += 1;
      if (updates === 1) return { status: 429, retryAfterSeconds: 0 };
      return updates === 2 ? { status: 502 } : undefined;
    };
    events.length = 0;
    const results = await crm.writeProperties([
      { dealId: '1002', property: 'economic_buyer', value: 'Hank', expected: null },
      { dealId: '1004', property: 'economic_buyer', value: 'Olga', expected: null },
    ]);
    expect(results).toEqual([{ status: 'written' }, { status: 'written' }]);
    const read = 'POST /crm/v3/objects/deals/batch/read';
    const update = 'POST /crm/v3/objects/deals/batch/update';
    // Each try: the update's budget, the read's budget, the compare read, the update at once.
    const oneTry = ['budget', 'budget', read, update];
    expect(events).toEqual([...oneTry, ...oneTry, ...oneTry, 'budget', read]);
  });

  it('reports a write as failed, and leaves the person’s value, when someone changes it right after the update', async () => {
    const crm = adapter(standIn);
    standIn.afterUpdate = (r) => {
      if (r.path === '/crm/v3/objects/deals/batch/update')
        standIn.setDealProperty('1002', 'economic_buyer', 'Typed by a rep');
    };
    const results = await crm.writeProperties([
      { dealId: '1002', property: 'economic_buyer', value: 'Scout value', expected: null },
      { dealId: '1004', property: 'economic_buyer', value: 'Olga', expected: null },
    ]);
    expect(results).toEqual([
      {
        status: 'failed',
        reason:
          'HubSpot accepted economic_buyer = "Scout value" on deal 1002 but reads back "Typed by a rep": someone changed it at the same moment',
      },
      { status: 'written' },
    ]);
    expect(standIn.deal('1002')?.economic_buyer).toBe('Typed by a rep');
    expect(standIn.deal('1004')?.economic_buyer).toBe('Olga');
    expect(standIn.requests.filter((r) => r.method !== 'GET').map((r) => r.path)).toEqual([
      '/crm/v3/objects/deals/batch/read',
      '/crm/v3/objects/deals/batch/update',
      '/crm/v3/objects/deals/batch/read',
    ]);
  });

  it('after a lost answer, checks what landed and sends the rest, alone when HubSpot refuses them as a batch', async () => {
    const crm = adapter(standIn);
    const update = '/crm/v3/objects/deals/batch/update';
    let updates = 0;
    standIn.fault = (r) => {
      if (r.path !== update) return undefined;
      updates += 1;
      if (updates === 1) return { status: 500, applied: true };
      return {
        status: 400,
        category: 'VALIDATION_ERROR',
        message: 'Property values were not valid',
      };
    };
    // The first update lands on all three, but its answer is lost and two are emptied at once.
    standIn.afterUpdate = (r) => {
      if (r.path !== update || updates !== 1) return;
      standIn.setDealProperty('1003', 'economic_buyer', '');
      standIn.setDealProperty('1004', 'economic_buyer', '');
    };
    const results = await crm.writeProperties([
      { dealId: '1002', property: 'economic_buyer', value: 'Hank', expected: null },
      { dealId: '1003', property: 'economic_buyer', value: 'Ivy', expected: null },
      { dealId: '1004', property: 'economic_buyer', value: 'Olga', expected: null },
    ]);
    expect(results).toEqual([{ status: 'written' }, { status: 'written' }, { status: 'written' }]);
    expect(standIn.requests.filter((r) => r.method === 'PATCH').map((r) => r.path)).toEqual([
      '/crm/v3/objects/deals/1003',
      '/crm/v3/objects/deals/1004',
    ]);
    expect(standIn.changes.filter(([deal]) => deal === '1002')).toEqual([
      ['1002', 'economic_buyer', 'Hank'],
    ]);
  });

  it('reports a write whose answer never came as failed only if HubSpot does not hold it', async () => {
    const crm = adapter(standIn);
    await crm.listPropertyDefs();
    const update = (r: RecordedRequest) => r.path === '/crm/v3/objects/deals/batch/update';
    const sentSince = (from: number) =>
      standIn.requests.slice(from).map((r) => (update(r) ? 'update' : 'read'));
    standIn.fault = (r) => (update(r) ? { status: 503 } : undefined);
    const lost = await crm.writeProperties([
      { dealId: '1002', property: 'economic_buyer', value: 'Never landed', expected: null },
    ]);
    expect(lost[0]?.status).toBe('failed');
    expect(lost[0]?.status === 'failed' && lost[0].reason).toMatch(/HTTP 503/);
    expect(standIn.deal('1002')?.economic_buyer).toBeUndefined();
    // Every try reads and compares first; the last read is the read-back.
    expect(sentSince(1)).toEqual([
      ...Array.from({ length: FAST_RETRY.attempts + 1 }, () => ['read', 'update']).flat(),
      'read',
    ]);
    const mark = standIn.requests.length;
    standIn.fault = (r) => (update(r) ? { status: 503, applied: true } : undefined);
    const landed = await crm.writeProperties([
      { dealId: '1002', property: 'economic_buyer', value: 'Landed', expected: null },
    ]);
    expect(landed).toEqual([{ status: 'written' }]);
    // The re-read finds it landed: nothing is sent again.
    expect(sentSince(mark)).toEqual(['read', 'update', 'read', 'read']);
    expect(standIn.changes).toEqual([['1002', 'economic_buyer', 'Landed']]);
  });

  it('batches at most 100 inputs with string values, and the stand-in refuses anything else', async () => {
    await standIn.close();
    standIn = await startHubSpotStandIn();
    standIn.load(manyDeals(250));
    const crm = adapter(standIn);
    const results = await crm.writeProperties(
      manyDeals(250).deals.map((d, i) => ({
        dealId: d.id,
        property: 'economic_buyer',
        value: `B${i}`,
        expected: null,
      })),
    );
    expect(results.every((r) => r.status === 'written')).toBe(true);
    const batches = standIn.requests.filter(
      (r) => r.path.endsWith('/batch/update') || r.path.endsWith('/batch/read'),
    );
    for (const b of batches)
      expect((b.body as { inputs: unknown[] }).inputs.length).toBeLessThanOrEqual(100);
    const updates = standIn.requests.filter((r) => r.path === '/crm/v3/objects/deals/batch/update');
    expect(updates).toHaveLength(3);
    for (const u of updates)
      for (const i of (u.body as { inputs: Array<{ properties: Record<string, unknown> }> }).inputs)
        for (const v of Object.values(i.properties)) expect(typeof v).toBe('string');

    const post = (body: unknown) =>
      fetch(`${standIn.url}/crm/v3/objects/deals/batch/update`, {
        method: 'POST',
        headers: { authorization: `Bearer ${standIn.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const tooMany = await post({
      inputs: Array.from({ length: 101 }, (_, i) => ({
        id: String(2001 + i),
        properties: { economic_buyer: 'x' },
      })),
    });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    const number = await post({ inputs: [{ id: '2001', properties: { economic_buyer: 5 } }] });
    expect(number.status).toBe(400);
    expect(standIn.deal('2001')?.economic_buyer).toBe('B0');
  });

  it('serialises writes to one deal: of two racing changes from the same value, one wins', async () => {
    standIn.latencyMs = 20;
    const crm = adapter(standIn);
    const [first, second] = await Promise.all([
      crm.writeProperties([
        { dealId: '1001', property: 'economic_buyer', value: 'First', expected: 'Dana (CFO)' },
      ]),
      crm.writeProperties([
        { dealId: '1001', property: 'economic_buyer', value: 'Second', expected: 'Dana (CFO)' },
      ]),
    ]);
    expect([first?.[0], second?.[0]]).toEqual([
      { status: 'written' },
      { status: 'conflict', current: 'First' },
    ]);
    expect(standIn.deal('1001')?.economic_buyer).toBe('First');
    expect(standIn.changes).toEqual([['1001', 'economic_buyer', 'First']]);
  });

  it('never sends an empty value: HubSpot would clear the property', async () => {
    const crm = adapter(standIn);
    const results = await crm.writeProperties([
      { dealId: '1001', property: 'economic_buyer', value: '', expected: 'Dana (CFO)' },
      { dealId: '1001', property: 'economic_buyer', value: '  \n', expected: 'Dana (CFO)' },
    ]);
    for (const r of results) {
      expect(r.status).toBe('failed');
      expect(r.status === 'failed' && r.reason).toMatch(
        /refusing to send an empty value for economic_buyer on deal 1001/,
      );
    }
    expect(
      standIn.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/batch/read')),
    ).toEqual([]);
    expect(standIn.deal('1001')?.economic_buyer).toBe('Dana (CFO)');
  });

  it('explains 401, 403 missing scope, 404 and 400 in plain words naming the deal and the field', async () => {
    const wrongToken = adapter(standIn, { token: 'pat-na1-wrong' });
    await expect(wrongToken.listPropertyDefs()).rejects.toThrow(
      /HubSpot rejected the access token while trying to read the deal property definitions: check HUBSPOT_ACCESS_TOKEN/,
    );

    const crm = adapter(standIn);
    await crm.listPropertyDefs();
    standIn.scopes.delete('crm.objects.deals.write');
    await expect(
      crm.writeProperties([
        { dealId: '1002', property: 'economic_buyer', value: 'X', expected: null },
      ]),
    ).rejects.toThrow(
      /missing a scope needed to write \(property economic_buyer on deal 1002\): grant crm\.objects\.deals\.write/,
    );
    standIn.scopes.add('crm.objects.deals.write');

    // HubSpot refuses the batch; each deal is then sent alone, so the refusal names its deal.
    standIn.fault = (r) => {
      if (r.path === '/crm/v3/objects/deals/batch/update')
        return {
          status: 400,
          category: 'VALIDATION_ERROR',
          message: 'Property values were not valid',
        };
      if (r.method === 'PATCH' && r.path.endsWith('/1002'))
        return {
          status: 400,
          category: 'VALIDATION_ERROR',
          message: 'Property values were not valid',
        };
      if (r.method === 'PATCH' && r.path.endsWith('/1003'))
        return { status: 404, category: 'OBJECT_NOT_FOUND', message: 'resource not found' };
      return undefined;
    };
    const results = await crm.writeProperties([
      { dealId: '1002', property: 'economic_buyer', value: 'Refused', expected: null },
      { dealId: '1003', property: 'economic_buyer', value: 'Gone', expected: null },
      { dealId: '1004', property: 'economic_buyer', value: 'Fine', expected: null },
    ]);
    expect(results[0]).toEqual({
      status: 'failed',
      reason: expect.stringMatching(
        /^HubSpot refused to write \(property economic_buyer on deal 1002\) \(HTTP 400 \[VALIDATION_ERROR\]\): Property values were not valid/,
      ),
    });
    expect(results[1]).toEqual({
      status: 'failed',
      reason: expect.stringMatching(/^Deal 1003 was not found in HubSpot \(deleted or merged\?\)/),
    });
    expect(results[2]).toEqual({ status: 'written' });
    expect(standIn.deal('1004')?.economic_buyer).toBe('Fine');
  });

  it('reads a portal with hundreds of properties through batch reads instead of a long URL', async () => {
    for (let i = 0; i < 150; i++)
      standIn.defineProperty({
        name: `custom_qualification_property_number_${i}`,
        label: `Custom ${i}`,
        type: 'string',
        fieldType: 'text',
        groupName: 'dealinformation',
      });
    standIn.setDealProperty('1004', 'custom_qualification_property_number_149', 'deep value');
    const crm = adapter(standIn);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await crm.pageDeals({ cursor, limit: 3 });
      seen.push(...page.deals.map((d) => d.id));
      const umbrella = page.deals.find((d) => d.id === '1004');
      if (umbrella)
        expect(umbrella.properties.custom_qualification_property_number_149).toBe('deep value');
      cursor = page.next;
    } while (cursor !== null);
    expect(seen).toEqual(['1001', '1002', '1003', '1004', '1005']);
    const lists = standIn.requests.filter((r) => r.path === '/crm/v3/objects/deals');
    expect(lists.length).toBeGreaterThan(0);
    for (const l of lists) expect(l.query.get('properties')).toBe('hs_object_id');
  });

  it('reads notes in a fixed number of calls per 100 deals, whatever the number of notes', async () => {
    const withNotes = (notesPerDeal: number): SeedFile => ({
      ...manyDeals(100),
      deals: manyDeals(100).deals.map((d, i) => ({
        ...d,
        notes: Array.from({ length: notesPerDeal }, (_, j) => ({
          id: String(100_000 + i * 100 + j),
          type: 'note' as const,
          created_at: new Date(Date.UTC(2026, 0, 1, 0, j)).toISOString(),
          body: `note ${j}`,
        })),
      })),
    });
    const callsFor = async (notesPerDeal: number) => {
      const s = await startHubSpotStandIn();
      try {
        s.load(withNotes(notesPerDeal));
        const crm = adapter(s);
        const page = await crm.pageDeals({ cursor: null, limit: 100 });
        const before = crm.apiCalls();
        const notes = await crm.notesForDeals(page.deals.map((d) => d.id));
        expect([...notes.values()].every((n) => n.length === notesPerDeal)).toBe(true);
        return crm.apiCalls() - before;
      } finally {
        await s.close();
      }
    };
    // 4 association reads + ⌈notes / 100⌉ batch reads: what batching requires and no more.
    expect(await callsFor(1)).toBe(4 + 1);
    expect(await callsFor(5)).toBe(4 + 5);
    expect(await callsFor(20)).toBe(4 + 20);
  });

  it('reads every activity of a deal with more than one answer holds, each once, paging through its associations', async () => {
    await standIn.close();
    standIn = await startHubSpotStandIn();
    const count = 1201;
    // Associated out of id order, as HubSpot does not promise id order (1201 is prime, so
    // stepping by 389 visits every id once).
    const ids = Array.from({ length: count }, (_, j) => String(300_000 + ((j * 389) % count)));
    standIn.load({
      ...manyDeals(1),
      deals: manyDeals(1).deals.map((d) => ({
        ...d,
        notes: ids.map((id) => ({
          id,
          type: 'note' as const,
          created_at: new Date(Date.UTC(2026, 0, 1) + Number(id) * 1000).toISOString(),
          body: `note ${id}`,
        })),
      })),
    });
    const crm = adapter(standIn);
    const notes = (await crm.notesForDeals(['2001'])).get('2001') ?? [];
    expect(notes.map((n) => n.id)).toEqual([...ids].sort());
    const pages = standIn.requests.filter(
      (r) => r.method === 'GET' && r.path === '/crm/v4/objects/deals/2001/associations/notes',
    );
    // The batch answer holds 500; the rest come in two pages of at most 500.
    expect(pages.map((r) => r.status)).toEqual([200, 200]);
  });

  it('writes a close date to HubSpot’s datetime property as midnight UTC, and reads it as the date', async () => {
    const crm = adapter(standIn);
    const results = await crm.writeProperties([
      { dealId: '1001', property: 'closedate', value: '2027-06-30', expected: '2027-03-31' },
    ]);
    expect(results).toEqual([{ status: 'written' }]);
    expect(standIn.deal('1001')?.closedate).toBe('2027-06-30T00:00:00.000Z');
    const [deal] = (await crm.pageDeals({ cursor: null, limit: 1, ids: ['1001'] })).deals;
    expect(deal?.properties.closedate).toBe('2027-06-30');
  });
});
