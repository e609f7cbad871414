import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDealPrefetch } from '../../src/services/deal-prefetch.js';
import type { CrmNote, CrmReader } from '../../src/services/ports/crm.js';

/** A CRM of `n` deals with one note each, counting the reads it answers. */
function countingCrm(n: number, failFirstNotes = false) {
  const calls = { deals: 0, notes: 0, dealIds: 0 };
  let failing = failFirstNotes;
  const crm: CrmReader = {
    kind: 'hubspot',
    listPropertyDefs: async () => [],
    listUsers: async () => [],
    countDeals: async () => n,
    async pageDeals({ ids }) {
      calls.deals += 1;
      calls.dealIds += ids?.length ?? 0;
      return {
        deals: (ids ?? []).map((id) => ({ id, name: `Deal ${id}`, ownerId: null, properties: {} })),
        next: null,
      };
    },
    async notesForDeals(ids) {
      calls.notes += 1;
      if (failing) {
        failing = false;
        throw new Error('HubSpot answered 502');
      }
      return new Map(
        ids.map((id): [string, CrmNote[]] => [
          id,
          [
            {
              id: `${id}-n`,
              dealId: id,
              type: 'call',
              createdAt: new Date(0),
              body: `about ${id}`,
            },
          ],
        ]),
      );
    },
  };
  return { crm, calls };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `d${i}`);

describe('deal prefetch for worker deal jobs', () => {
  it('reads each deal once per batch, in the order jobs come, and hands out the right data', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 350 }),
        fc.integer({ min: 1, max: 120 }),
        async (n, batch) => {
          const { crm, calls } = countingCrm(n);
          const all = ids(n);
          const prefetch = createDealPrefetch({ batch, ttlMs: 60_000, now: () => 0 });
          for (const [i, id] of all.entries()) {
            const reads = await prefetch.read(crm, 'run', id, async () => all.slice(i));
            expect(reads.deal?.id).toBe(id);
            expect(reads.notes.map((x) => x.body)).toEqual([`about ${id}`]);
          }
          expect(calls.deals).toBe(Math.ceil(n / batch));
          expect(calls.notes).toBe(Math.ceil(n / batch));
          expect(prefetch.size()).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('jobs that start together share one batch instead of each reading their own', async () => {
    const { crm, calls } = countingCrm(250);
    const all = ids(250);
    const prefetch = createDealPrefetch({ batch: 100, ttlMs: 60_000, now: () => 0 });
    const reads = await Promise.all(
      all.map((id, i) => prefetch.read(crm, 'run', id, async () => all.slice(i))),
    );
    expect(reads.map((r) => r.deal?.id)).toEqual(all);
    expect(calls).toEqual({ deals: 3, notes: 3, dealIds: 250 });
  });

  it('does not read again a deal whose job took its reads and is still running', async () => {
    const { crm, calls } = countingCrm(250);
    const all = ids(250);
    const prefetch = createDealPrefetch({ batch: 100, ttlMs: 60_000, now: () => 0 });
    // Jobs run out of fan-out order, and every deal stays queued until its job settles.
    const first = [150, 0, 100];
    for (const i of [...first, ...[...all.keys()].filter((i) => !first.includes(i))]) {
      const reads = await prefetch.read(crm, 'run', `d${i}`, async () => all.slice(i));
      expect(reads.deal?.id).toBe(`d${i}`);
    }
    expect(calls).toEqual({ deals: 3, notes: 3, dealIds: 250 });
  });

  it('reads again what waited longer than its time to live', async () => {
    const { crm, calls } = countingCrm(3);
    let now = 0;
    const prefetch = createDealPrefetch({ batch: 100, ttlMs: 1000, now: () => now });
    await prefetch.read(crm, 'run', 'd0', async () => ids(3));
    now = 1001;
    const reads = await prefetch.read(crm, 'run', 'd1', async () => ids(3).slice(1));
    expect(reads.deal?.id).toBe('d1');
    expect(calls.notes).toBe(2);
  });

  it('keeps runs apart', async () => {
    const { crm, calls } = countingCrm(2);
    const prefetch = createDealPrefetch({ batch: 100, ttlMs: 60_000, now: () => 0 });
    await prefetch.read(crm, 'run-a', 'd0', async () => ids(2));
    await prefetch.read(crm, 'run-b', 'd1', async () => ['d1']);
    expect(calls.notes).toBe(2);
  });

  it('lets a redelivered job read its deal again', async () => {
    const { crm, calls } = countingCrm(2);
    const prefetch = createDealPrefetch({ batch: 100, ttlMs: 60_000, now: () => 0 });
    await prefetch.read(crm, 'run', 'd0', async () => ids(2));
    const again = await prefetch.read(crm, 'run', 'd0', async () => ids(2));
    expect(again.deal?.id).toBe('d0');
    expect(calls).toEqual({ deals: 2, notes: 2, dealIds: 3 });
  });

  it('fails only the job that asked when a batch read fails; the others read again', async () => {
    const { crm, calls } = countingCrm(3, true);
    const prefetch = createDealPrefetch({ batch: 100, ttlMs: 60_000, now: () => 0 });
    await expect(prefetch.read(crm, 'run', 'd0', async () => ids(3))).rejects.toThrow(/502/);
    const reads = await prefetch.read(crm, 'run', 'd1', async () => ids(3).slice(1));
    expect(reads.deal?.id).toBe('d1');
    expect(calls.notes).toBe(2);
  });

  it('gives a deal the CRM no longer has as missing', async () => {
    const { crm } = countingCrm(1);
    const gone: CrmReader = {
      ...crm,
      pageDeals: async () => ({ deals: [], next: null }),
    };
    const prefetch = createDealPrefetch({ batch: 100, ttlMs: 60_000, now: () => 0 });
    expect((await prefetch.read(gone, 'run', 'd0', async () => ['d0'])).deal).toBeNull();
  });
});
