import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_POOL_SIZE, dealLockSlots } from '../../src/db/deal-lock.js';

describe('SCOUT_APPLY_CONCURRENCY fits the Postgres pool', () => {
  it('allows as many applies as the pool has deal-lock slots (half of it)', () => {
    expect(dealLockSlots(DEFAULT_POOL_SIZE)).toBe(5);
    expect(loadConfig({}).SCOUT_APPLY_CONCURRENCY).toBe(4);
    expect(loadConfig({ SCOUT_APPLY_CONCURRENCY: '5' }).SCOUT_APPLY_CONCURRENCY).toBe(5);
  });

  it('refuses more, saying why', () => {
    expect(() => loadConfig({ SCOUT_APPLY_CONCURRENCY: '6' })).toThrow(
      "SCOUT_APPLY_CONCURRENCY: must be at most 5: each apply holds one of the process's 10 Postgres connections while it holds its deal's lock",
    );
    expect(() => loadConfig({ SCOUT_APPLY_CONCURRENCY: '64' })).toThrow(/at most 5/);
  });
});
