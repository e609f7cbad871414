import { describe, expect, it } from 'vitest';
import { methodBuckets } from '../../src/slack/limited-client.js';

describe('Slack Tier 3 budget: a bucket per method', () => {
  it('lets a burst of the budget through, then one call per 60/perMinute seconds, each method apart', async () => {
    let t = 0;
    const slept: number[] = [];
    const take = methodBuckets(
      50,
      () => t,
      async (ms) => {
        slept.push(ms);
        t += ms;
      },
    );
    for (let i = 0; i < 50; i++) await take('chat.update');
    expect(slept).toEqual([]);
    await take('conversations.open');
    expect(slept).toEqual([]);
    await take('chat.update');
    expect(slept).toEqual([1200]);
    await take('chat.update');
    expect(slept).toEqual([1200, 1200]);
    t += 60_000;
    for (let i = 0; i < 50; i++) await take('chat.update');
    expect(slept).toHaveLength(2);
  });
});
