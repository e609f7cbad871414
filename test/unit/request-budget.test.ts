import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Answered, createRequestBudget } from '../../src/concurrency/request-budget.js';
import { busiestWindow } from '../support/rolling-window.js';

/** A take whose progress can be watched while the fake clock moves. */
function watch(taking: Promise<Answered>) {
  const state: { answered: Answered | null } = { answered: null };
  void taking.then((answered) => {
    state.answered = answered;
  });
  return state;
}

describe('the request budget (this process’s memory)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const budget = () =>
    createRequestBudget({
      rule: { requests: 4, windowMs: 1000 },
      namespace: 'unit',
      key: 'search',
    });

  it('grants the whole budget at once — 4 per second is 4, not 2 — and not one more', async () => {
    const b = budget();
    const takes = Array.from({ length: 5 }, () => watch(b.take()));
    await vi.advanceTimersByTimeAsync(0);
    expect(takes.map((t) => t.answered !== null)).toEqual([true, true, true, true, false]);
    // Requests still waiting for their answer go on counting, however long they take.
    await vi.advanceTimersByTimeAsync(5000);
    expect(takes[4]?.answered).toBeNull();
  });

  it('counts a request until a full window after its answer', async () => {
    const b = budget();
    const first = await Promise.all(Array.from({ length: 4 }, () => b.take()));
    await vi.advanceTimersByTimeAsync(300);
    for (const answered of first) await answered();
    const fifth = watch(b.take());
    await vi.advanceTimersByTimeAsync(995);
    expect(fifth.answered).toBeNull();
    // The window ends 1300 ms after the start; the take retries within 10 ms of jitter.
    await vi.advanceTimersByTimeAsync(20);
    expect(fifth.answered).not.toBeNull();
  });

  it('never lets more than the budget arrive within any rolling window, whatever the latencies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            startMs: fc.integer({ min: 0, max: 3000 }),
            // From the take to HubSpot receiving it, then on to the answer.
            toArrivalMs: fc.integer({ min: 0, max: 400 }),
            toAnswerMs: fc.integer({ min: 0, max: 400 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        async (requests) => {
          const b = budget();
          const arrivals: number[] = [];
          const all = Promise.all(
            requests.map(async (r) => {
              await new Promise((resolve) => setTimeout(resolve, r.startMs));
              const answered = await b.take();
              await new Promise((resolve) => setTimeout(resolve, r.toArrivalMs));
              arrivals.push(performance.now());
              await new Promise((resolve) => setTimeout(resolve, r.toAnswerMs));
              await answered();
            }),
          );
          await vi.advanceTimersByTimeAsync(60_000);
          await all;
          expect(arrivals).toHaveLength(requests.length);
          expect(busiestWindow(arrivals, 1000)).toBeLessThanOrEqual(4);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a pause stops every take until it ends; a shorter one does not cut it short', async () => {
    const b = budget();
    await b.pause(2000);
    await b.pause(500);
    const takes = Array.from({ length: 3 }, () => watch(b.take()));
    await vi.advanceTimersByTimeAsync(1990);
    expect(takes.filter((t) => t.answered !== null)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(30);
    expect(takes.filter((t) => t.answered !== null)).toHaveLength(3);
  });

  it('with no rule counts nothing, yet a pause still stops every take until it ends', async () => {
    const b = createRequestBudget({ rule: null, namespace: 'unit', key: 'uncounted' });
    const many = Array.from({ length: 100 }, () => watch(b.take()));
    await vi.advanceTimersByTimeAsync(0);
    expect(many.filter((t) => t.answered !== null)).toHaveLength(100);
    await b.pause(1000);
    const held = watch(b.take());
    await vi.advanceTimersByTimeAsync(990);
    expect(held.answered).toBeNull();
    await vi.advanceTimersByTimeAsync(30);
    expect(held.answered).not.toBeNull();
  });

  it('an answer reported twice frees nothing twice', async () => {
    const b = createRequestBudget({
      rule: { requests: 1, windowMs: 1000 },
      namespace: 'unit',
      key: 'once',
    });
    const answered = await b.take();
    await answered();
    await answered();
    const next = [watch(b.take()), watch(b.take())];
    await vi.advanceTimersByTimeAsync(1020);
    expect(next.filter((t) => t.answered !== null)).toHaveLength(1);
  });

  it('an update waiting for its read never takes the last share, so the read always can', async () => {
    const b = createRequestBudget({
      rule: { requests: 2, windowMs: 1000 },
      namespace: 'unit',
      key: 'writes',
    });
    const update = await b.take(1);
    const secondUpdate = watch(b.take(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(secondUpdate.answered).toBeNull();
    // The first update's compare read gets the share kept free.
    const read = watch(b.take());
    await vi.advanceTimersByTimeAsync(0);
    expect(read.answered).not.toBeNull();
    await read.answered?.();
    await update();
    await vi.advanceTimersByTimeAsync(1020);
    expect(secondUpdate.answered).not.toBeNull();
    await expect(b.take(2)).rejects.toThrow(/budget of 2 cannot keep 2 free besides the request/);
  });

  it.each([
    [{ requests: 0, windowMs: 1000 }, /whole number of requests \(1 or more\), got 0/],
    [{ requests: 2.5, windowMs: 1000 }, /whole number of requests \(1 or more\), got 2\.5/],
    [{ requests: 4, windowMs: 0 }, /needs a window of time, got 0 ms/],
  ])('refuses the rule %j', (rule, message) => {
    expect(() => createRequestBudget({ rule, namespace: 'unit', key: 'bad' })).toThrow(message);
  });
});
