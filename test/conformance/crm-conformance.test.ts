import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEmptyValue } from '../../src/domain/values.js';
import type { CrmDeal } from '../../src/services/ports/crm.js';
import { ADAPTERS, type AdapterUnderTest } from './adapters.js';
import { FIXTURE } from './fixture.js';

/**
 * What every CRM adapter must do, run against each one: the local CRM on Postgres, and
 * HubSpot's and Salesforce's adapters against their stand-ins. A new adapter joins
 * `ADAPTERS`.
 */
describe.each(ADAPTERS)('CRM conformance: $name', (factory) => {
  let a: AdapterUnderTest;
  beforeEach(async () => {
    a = await factory.open(FIXTURE);
  });
  afterEach(async () => {
    await a.close();
  });

  const deal = async (id: string): Promise<CrmDeal> => {
    const [d] = (await a.crm.pageDeals({ cursor: null, limit: 1, ids: [id] })).deals;
    if (!d) throw new Error(`deal ${id} not found`);
    return d;
  };

  it('pages through every deal once, in a stable order, and counts them', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await a.crm.pageDeals({ cursor, limit: 2 });
      expect(page.deals.length).toBeLessThanOrEqual(2);
      seen.push(...page.deals.map((d) => d.id));
      cursor = page.next;
    } while (cursor !== null);
    expect(seen).toEqual(['1001', '1002', '1003', '1004', '1005']);
    expect(await a.crm.countDeals()).toBe(5);
    expect(await a.crm.countDeals(['1003', '1001', '9999'])).toBe(2);
    const picked = await a.crm.pageDeals({ cursor: null, limit: 10, ids: ['1003', '1001'] });
    expect(picked.deals.map((d) => d.id).sort()).toEqual(['1001', '1003']);
    const first = await deal('1001');
    expect(first).toMatchObject({ name: 'Acme — renewal', ownerId: '101' });
    expect((await deal('1003')).ownerId).toBeNull();
  });

  it('reads each deal’s notes oldest first, ties broken by id, with their kinds', async () => {
    const notes = await a.crm.notesForDeals(['1001', '1002', '1003']);
    expect(notes.get('1001')?.map((n) => [n.id, n.type])).toEqual([
      ['5001', 'call'],
      ['5002', 'email_reply'],
      ['5003', 'meeting'],
      ['5004', 'note'],
      ['5005', 'email'],
    ]);
    expect(notes.get('1001')?.[0]).toMatchObject({
      dealId: '1001',
      body: 'Intro call: they reconcile contracts by hand.',
      createdAt: new Date('2026-11-20T15:00:00Z'),
    });
    expect(notes.get('1002')).toEqual([]);
    expect(notes.get('1003')?.map((n) => n.id)).toEqual(['5010']);
  });

  it('reads emptiness per property type: unset is empty, zero and a chosen option are not', async () => {
    const defs = new Map((await a.crm.listPropertyDefs()).map((d) => [d.name, d]));
    expect(defs.get('forecast')).toMatchObject({
      type: 'enum',
      options: ['low', 'medium', 'high'],
    });
    const fields = ['economic_buyer', 'forecast', 'champion_owner', 'seats', 'closedate', 'amount'];
    const types = fields.map((f) => defs.get(f)?.type);
    expect(types).toEqual(['text', 'enum', 'user', 'number', 'date', 'number']);
    const empty = await deal('1004');
    const filled = await deal('1001');
    for (const f of fields) {
      const type = defs.get(f)?.type ?? 'text';
      expect(isEmptyValue(type, empty.properties[f] ?? null), `${f} on 1004`).toBe(true);
      expect(isEmptyValue(type, filled.properties[f] ?? null), `${f} on 1001`).toBe(false);
    }
    expect(filled.properties).toMatchObject({
      seats: 0,
      amount: 48000,
      closedate: '2027-03-31',
      forecast: 'high',
      champion_owner: '102',
    });
    expect((await a.crm.listUsers()).map((u) => [u.id, u.email])).toEqual([
      ['101', 'ana@example.com'],
      ['102', 'ben@example.com'],
    ]);
  });

  it('creates an agent-owned field once, writes it and reads it back', async () => {
    const def = {
      name: 'scout_economic_buyer',
      label: 'Scout: Economic buyer',
      type: 'text' as const,
    };
    expect(await a.crm.createProperty(def)).toBe('created');
    expect(await a.crm.createProperty(def)).toBe('exists');
    const results = await a.crm.writeProperties([
      {
        dealId: '1002',
        property: 'scout_economic_buyer',
        value: 'Hank (VP Finance)',
        expected: null,
      },
    ]);
    expect(results).toEqual([{ status: 'written' }]);
    expect((await deal('1002')).properties.scout_economic_buyer).toBe('Hank (VP Finance)');
  });

  it('refuses a write to an unknown property, clearly, and still writes the rest', async () => {
    const results = await a.crm.writeProperties([
      { dealId: '1002', property: 'scout_no_such_field', value: 'x', expected: null },
      { dealId: '1004', property: 'economic_buyer', value: 'Olga', expected: null },
    ]);
    expect(results[0]?.status).toBe('failed');
    expect(results[0]?.status === 'failed' && results[0].reason).toMatch(
      /scout_no_such_field does not exist.*setup-fields/,
    );
    expect(results[1]).toEqual({ status: 'written' });
    expect((await deal('1004')).properties.economic_buyer).toBe('Olga');
    expect((await deal('1002')).properties.scout_no_such_field).toBeUndefined();
  });

  it('detects a value someone else changed since it was read, and leaves it alone', async () => {
    const before = await deal('1001');
    expect(before.properties.economic_buyer).toBe('Dana (CFO)');
    await a.editElsewhere('1001', 'economic_buyer', 'Rep typed this');
    const results = await a.crm.writeProperties([
      { dealId: '1001', property: 'economic_buyer', value: 'Scout value', expected: 'Dana (CFO)' },
    ]);
    expect(results).toEqual([{ status: 'conflict', current: 'Rep typed this' }]);
    expect((await deal('1001')).properties.economic_buyer).toBe('Rep typed this');
  });

  it('restores recorded values for undo, clearing included, only over the value it expects', async () => {
    const restore = a.crm.restoreProperties;
    expect(restore).toBeDefined();
    if (!restore) return;
    const results = await restore.call(a.crm, [
      { dealId: '1001', property: 'economic_buyer', value: null, expected: 'Dana (CFO)' },
      { dealId: '1005', property: 'seats', value: 3, expected: 99 },
    ]);
    expect(results).toEqual([{ status: 'written' }, { status: 'conflict', current: 12.5 }]);
    expect((await deal('1001')).properties.economic_buyer ?? null).toBeNull();
    expect((await deal('1005')).properties.seats).toBe(12.5);
  });

  it('round-trips dates and numbers, and compares numbers by value', async () => {
    const results = await a.crm.writeProperties([
      { dealId: '1004', property: 'closedate', value: '2027-06-30', expected: null },
      { dealId: '1004', property: 'seats', value: 1234.5, expected: null },
      { dealId: '1005', property: 'seats', value: 13, expected: 12.5 },
      { dealId: '1003', property: 'amount', value: 0, expected: 1200 },
    ]);
    expect(results.map((r) => r.status)).toEqual(['written', 'written', 'written', 'written']);
    expect((await deal('1004')).properties).toMatchObject({
      closedate: '2027-06-30',
      seats: 1234.5,
    });
    expect((await deal('1005')).properties.seats).toBe(13);
    expect((await deal('1003')).properties.amount).toBe(0);
  });
});
