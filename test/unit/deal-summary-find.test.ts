import { describe, expect, it } from 'vitest';
import type { DealHistoryReader } from '../../src/db/deal-history-reader.js';
import { parsePolicyText } from '../../src/policy-file.js';
import type { CrmDeal } from '../../src/services/ports/crm.js';
import { findDeal, NAME_INDEX_TTL_MS } from '../../src/summary/summarize-deal.js';
import type { DealSummaryPorts, ReadOnlyCrm } from '../../src/summary/summary-ports.js';

const DEALS: CrmDeal[] = Array.from({ length: 450 }, (_, i) => ({
  id: `${1000 + i}`,
  name: i === 449 ? 'Zebra Logistics' : `Deal ${i}`,
  ownerId: null,
  properties: {},
}));

/** An in-memory CRM reader that pages like the real ones and counts its calls. */
function fakeCrm(options: { idsRefused?: boolean; failFirstScan?: boolean } = {}) {
  const calls: string[] = [];
  let failures = options.failFirstScan ? 1 : 0;
  const crm: ReadOnlyCrm = {
    kind: 'hubspot',
    listPropertyDefs: async () => [],
    listUsers: async () => [],
    countDeals: async () => DEALS.length,
    async pageDeals({ cursor, limit, ids }) {
      calls.push(ids ? `ids:${ids.join(',')}` : `page:${cursor ?? 0}`);
      if (ids) {
        if (options.idsRefused && ids.some((id) => !/^\d+$/.test(id)))
          throw new Error('400: not an id');
        return { deals: DEALS.filter((d) => ids.includes(d.id)), next: null };
      }
      if (failures-- > 0) throw new Error('503');
      const start = Number(cursor ?? 0);
      const deals = DEALS.slice(start, start + limit);
      return { deals, next: start + limit < DEALS.length ? String(start + limit) : null };
    },
    notesForDeals: async () => new Map(),
  };
  return { crm, calls };
}

function ports(crm: ReadOnlyCrm, clock: () => Date): DealSummaryPorts {
  return {
    crm,
    history: {} as DealHistoryReader,
    policy: parsePolicyText('version: 1\nobjects: { deal: { fields: {} } }\n', 'inline'),
    clock,
  };
}

describe('findDeal against a CRM reader', () => {
  it('an id is one read; a name pages through every deal once, then the names serve for a minute', async () => {
    const { crm, calls } = fakeCrm();
    let now = Date.UTC(2026, 10, 24);
    const p = ports(crm, () => new Date(now));
    expect(await findDeal(p, '1003')).toEqual({
      kind: 'one',
      deal: { id: '1003', name: 'Deal 3' },
    });
    expect(calls).toEqual(['ids:1003']);
    calls.length = 0;
    expect(await findDeal(p, 'zebra')).toEqual({
      kind: 'one',
      deal: { id: '1449', name: 'Zebra Logistics' },
    });
    expect(calls).toEqual(['ids:zebra', 'page:0', 'page:200', 'page:400']);
    calls.length = 0;
    now += NAME_INDEX_TTL_MS - 1;
    expect(await findDeal(p, 'logistics')).toMatchObject({ kind: 'one' });
    expect(calls).toEqual(['ids:logistics']);
    calls.length = 0;
    now += 1;
    await findDeal(p, 'logistics');
    expect(calls.filter((c) => c.startsWith('page:'))).toHaveLength(3);
  });

  it('a CRM that refuses non-ids falls through to names; a failed scan is not remembered', async () => {
    const { crm, calls } = fakeCrm({ idsRefused: true, failFirstScan: true });
    const p = ports(crm, () => new Date(Date.UTC(2026, 10, 24)));
    await expect(findDeal(p, 'zebra')).rejects.toThrow('503');
    expect(await findDeal(p, 'zebra')).toMatchObject({ kind: 'one' });
    expect(calls.filter((c) => c === 'page:0')).toHaveLength(2);
  });
});
