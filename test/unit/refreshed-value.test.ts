import { describe, expect, it } from 'vitest';
import { refreshedValue } from '../../src/concurrency/refreshed-value.js';

/** A source whose reads are answered by the test, one at a time. */
function source() {
  const pending: Array<{ resolve: (v: number) => void; reject: (e: Error) => void }> = [];
  return {
    pending,
    load: () =>
      new Promise<number>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('refreshedValue', () => {
  it('only the first read waits; concurrent first reads share one load', async () => {
    const src = source();
    const value = refreshedValue({ ...src, ttlMs: 1000, now: () => 0, onRefreshError: () => {} });
    expect(value.loaded()).toBe(false);
    const a = value.get();
    const b = value.get();
    await tick();
    expect(src.pending).toHaveLength(1);
    src.pending[0]?.resolve(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    expect(value.loaded()).toBe(true);
    expect(await value.get()).toBe(7);
    expect(src.pending).toHaveLength(1);
  });

  it('a stale value answers at once while one refresh runs', async () => {
    const src = source();
    let now = 0;
    const value = refreshedValue({ ...src, ttlMs: 1000, now: () => now, onRefreshError: () => {} });
    const first = value.get();
    src.pending[0]?.resolve(1);
    await first;
    now = 1001;
    expect(await value.get()).toBe(1);
    expect(await value.get()).toBe(1);
    expect(src.pending).toHaveLength(2);
    src.pending[1]?.resolve(2);
    await tick();
    expect(await value.get()).toBe(2);
  });

  it('a failed first read rejects and the next read tries again', async () => {
    const src = source();
    const value = refreshedValue({ ...src, ttlMs: 1000, now: () => 0, onRefreshError: () => {} });
    const first = value.get();
    src.pending[0]?.reject(new Error('CRM down'));
    await expect(first).rejects.toThrow('CRM down');
    expect(value.loaded()).toBe(false);
    const second = value.get();
    src.pending[1]?.resolve(3);
    expect(await second).toBe(3);
  });

  it('a failed refresh keeps the old value and is reported', async () => {
    const src = source();
    let now = 0;
    const errors: unknown[] = [];
    const value = refreshedValue({
      ...src,
      ttlMs: 1000,
      now: () => now,
      onRefreshError: (e) => errors.push(e),
    });
    const first = value.get();
    src.pending[0]?.resolve(1);
    await first;
    now = 2000;
    expect(await value.get()).toBe(1);
    src.pending[1]?.reject(new Error('timeout'));
    await tick();
    expect(errors).toEqual([new Error('timeout')]);
    expect(await value.get()).toBe(1);
  });
});
