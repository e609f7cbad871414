import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inProcessDealLock } from '../../src/db/deal-lock.js';

describe('the in-process deal lock (embedded mode)', () => {
  it('never runs two tasks on one deal at once, runs them in arrival order, and survives failures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ deal: fc.constantFrom('d1', 'd2', 'd3'), fails: fc.boolean() }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (tasks) => {
          const lock = inProcessDealLock();
          const running = new Map<string, number>();
          const order = new Map<string, number[]>();
          const settled = await Promise.allSettled(
            tasks.map((t, i) =>
              lock(t.deal, async () => {
                running.set(t.deal, (running.get(t.deal) ?? 0) + 1);
                expect(running.get(t.deal)).toBe(1);
                order.set(t.deal, [...(order.get(t.deal) ?? []), i]);
                await new Promise((r) => setImmediate(r));
                running.set(t.deal, (running.get(t.deal) ?? 0) - 1);
                if (t.fails) throw new Error(`task ${i} failed`);
                return i;
              }),
            ),
          );
          expect(settled.map((s) => s.status)).toEqual(
            tasks.map((t) => (t.fails ? 'rejected' : 'fulfilled')),
          );
          for (const [deal, seen] of order)
            expect(seen).toEqual(tasks.flatMap((t, i) => (t.deal === deal ? [i] : [])));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('lets different deals run at the same time', async () => {
    const lock = inProcessDealLock();
    let release = () => {};
    const first = lock('d1', () => new Promise<void>((r) => (release = r)));
    // Would never resolve if d2 waited for d1.
    await expect(lock('d2', async () => 'free')).resolves.toBe('free');
    release();
    await first;
  });
});
