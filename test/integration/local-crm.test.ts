import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import type { CrmPort } from '../../src/services/ports/crm.js';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';

describe('local CRM adapter', () => {
  let h: ScoutHarness;
  let crm: CrmPort;
  beforeAll(async () => {
    h = await createHarness();
    crm = createLocalCrm(h.database.db);
  });
  afterAll(async () => {
    await h.database.destroy();
  });

  it('pages through every deal in a stable order without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await crm.pageDeals({ cursor, limit: 2 });
      seen.push(...page.deals.map((d) => d.id));
      cursor = page.next;
    } while (cursor !== null);
    expect(seen).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
    expect(await crm.countDeals()).toBe(5);
    expect(await crm.countDeals(['d2', 'd5', 'zz'])).toBe(2);
  });

  it('reads notes per deal, oldest first', async () => {
    const notes = await crm.notesForDeals(['d1', 'd5']);
    expect(notes.get('d1')?.map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(notes.get('d5')).toEqual([]);
  });

  it('writes an agent-owned field and reads it back; numbers and dates round-trip', async () => {
    const results = await crm.writeProperties([
      { dealId: 'd5', property: 'scout_champion', value: 'Gavin', expected: null },
      { dealId: 'd5', property: 'amount', value: 31000.5, expected: 30000 },
      { dealId: 'd5', property: 'closedate', value: '2027-03-31', expected: null },
    ]);
    expect(results).toEqual([{ status: 'written' }, { status: 'written' }, { status: 'written' }]);
    const [deal] = (await crm.pageDeals({ cursor: null, limit: 1, ids: ['d5'] })).deals;
    expect(deal?.properties).toMatchObject({
      scout_champion: 'Gavin',
      amount: 31000.5,
      closedate: '2027-03-31',
    });
  });

  it('detects a value someone else changed (compare-then-write) and writes nothing', async () => {
    const r = await crm.writeProperties([
      { dealId: 'd2', property: 'economic_buyer', value: 'Hank', expected: null },
    ]);
    expect(r).toEqual([{ status: 'conflict', current: 'Priya Nair (VP Finance)' }]);
    const [deal] = (await crm.pageDeals({ cursor: null, limit: 1, ids: ['d2'] })).deals;
    expect(deal?.properties.economic_buyer).toBe('Priya Nair (VP Finance)');
  });

  it('fails clearly on an unknown property or a value of the wrong type, and still applies the valid writes', async () => {
    const r = await crm.writeProperties([
      { dealId: 'd3', property: 'scout_budget', value: 'x', expected: null },
      { dealId: 'd3', property: 'amount', value: 'lots', expected: 15000 },
      { dealId: 'nope', property: 'next_step', value: 'x', expected: null },
      { dealId: 'd3', property: 'scout_metrics', value: 'Save 10%', expected: null },
    ]);
    expect(r[0]).toEqual({
      status: 'failed',
      reason: expect.stringContaining('property scout_budget does not exist'),
    });
    expect(r[1]).toEqual({ status: 'failed', reason: expect.stringContaining('is number') });
    expect(r[2]).toEqual({
      status: 'failed',
      reason: expect.stringContaining('deal nope does not exist'),
    });
    expect(r[3]).toEqual({ status: 'written' });
  });

  it('creating a property is idempotent, and refuses a clash of types', async () => {
    expect(
      await crm.createProperty({ name: 'scout_metrics', label: 'Scout: Metrics', type: 'text' }),
    ).toBe('exists');
    expect(await crm.createProperty({ name: 'scout_new', label: 'New', type: 'number' })).toBe(
      'created',
    );
    await expect(
      crm.createProperty({ name: 'scout_new', label: 'New', type: 'text' }),
    ).rejects.toThrow('exists in the local CRM as number');
  });

  it('the dump has the seed file shape and includes scout_* fields', async () => {
    const dump = await h.dump();
    expect(Object.keys(dump)).toEqual(['users', 'properties', 'deals']);
    expect(dump.properties.map((p) => p.name)).toContain('scout_economic_buyer');
    expect(dump.deals.find((d) => d.id === 'd1')?.notes).toHaveLength(2);
  });
});
