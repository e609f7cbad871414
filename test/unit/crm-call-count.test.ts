import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { countingCrmCalls, noteCrmCall } from '../../src/crm/crm-call-count.js';

/** A request as a client makes it: some waiting, then the count, then more waiting. */
async function request(waitMs: number) {
  await sleep(waitMs);
  noteCrmCall();
  await sleep(1);
}

describe('counting CRM requests per piece of work', () => {
  it('keeps interleaved jobs apart, and gives a shared read to the job that started it', async () => {
    let shared: Promise<void> | null = null;
    const job = (requests: number, startsShared: boolean) =>
      countingCrmCalls(async (calls) => {
        if (startsShared) shared = Promise.all([request(3), request(1)]).then(() => {});
        for (let i = 0; i < requests; i++) await request(i % 3);
        await shared;
        return calls();
      });
    const counted = await Promise.all([job(5, true), job(2, false), job(7, false)]);
    expect(counted).toEqual([7, 2, 7]);
  });

  it('counts nothing outside a job', async () => {
    await request(0);
    expect(await countingCrmCalls(async (calls) => calls())).toBe(0);
  });
});
