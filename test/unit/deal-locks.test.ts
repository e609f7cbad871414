import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inProcessDealLock } from '../../src/db/deal-lock.js';
import { eachDealLock } from '../../src/db/deal-locks.js';

describe('many deals through a one-deal lock', () => {
  it('takes each deal once, in id order, whatever order it is given', async () => {
    const taken: string[] = [];
    const locks = eachDealLock(async (dealId, fn) => {
      taken.push(dealId);
      return fn();
    });
    expect(await locks(['30', '10', '20', '10'], async () => 'done')).toBe('done');
    expect(taken).toEqual(['10', '20', '30']);
  });

  it('lets callers with overlapping deals in any order all finish, one at a time per deal', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.subarray(['d1', 'd2', 'd3', 'd4'], { minLength: 1 }), {
          minLength: 2,
          maxLength: 12,
        }),
        async (callers) => {
          const locks = eachDealLock(inProcessDealLock());
          const holding = new Set<string>();
          const done = await Promise.all(
            callers.map((deals, i) =>
              locks([...deals].reverse(), async () => {
                for (const d of deals) {
                  expect(holding.has(d)).toBe(false);
                  holding.add(d);
                }
                await new Promise((r) => setImmediate(r));
                for (const d of deals) holding.delete(d);
                return i;
              }),
            ),
          );
          expect(done).toEqual(callers.map((_, i) => i));
        },
      ),
    );
  });
});
