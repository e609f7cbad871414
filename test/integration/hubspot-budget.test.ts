import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BudgetRule } from '../../src/concurrency/request-budget.js';
import { openHubSpotCrm } from '../../src/crm/hubspot/open-hubspot-crm.js';
import { FIXTURE } from '../conformance/fixture.js';
import { type HubSpotStandIn, startHubSpotStandIn } from '../support/hubspot-stand-in.js';
import { busiestWindow } from '../support/rolling-window.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PLENTY: BudgetRule = { requests: 10_000, windowMs: 10_000 };
const open: Array<{ close(): Promise<void> }> = [];

/**
 * Two HubSpot clients on one account and one Redis key prefix, as two `scout` processes
 * of one deployment (a worker and `scout serve`, say) would be.
 */
function twoClients(
  standIn: HubSpotStandIn,
  rules: { budget?: BudgetRule; searchBudget?: BudgetRule },
) {
  const keyPrefix = `t-${randomUUID()}`;
  const client = () => {
    const opened = openHubSpotCrm({
      token: standIn.token,
      baseUrl: standIn.url,
      budget: rules.budget ?? PLENTY,
      searchBudget: rules.searchBudget ?? PLENTY,
      redisUrl: REDIS_URL,
      keyPrefix,
      retry: { attempts: 2, baseMs: 5, maxMs: 20, rateLimitedAttempts: 4, defaultRetryAfterMs: 50 },
    });
    open.push(opened);
    return opened.crm;
  };
  return [client(), client()] as const;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the HubSpot request budget shared through Redis', () => {
  let standIn: HubSpotStandIn;
  beforeEach(async () => {
    standIn = await startHubSpotStandIn();
    standIn.load(FIXTURE);
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
    await standIn.close();
  });

  it('a 429 with Retry-After makes the other process wait out the pause too', async () => {
    let first = true;
    standIn.fault = () => {
      if (!first) return undefined;
      first = false;
      return { status: 429, retryAfterSeconds: 2 };
    };
    const [one, other] = twoClients(standIn, {});
    const refusedAndRetried = one.listPropertyDefs();
    await vi.waitFor(() => expect(standIn.requests[0]?.status).toBe(429));
    // Well after the first client has its 429 and has told Redis (a round trip on loopback).
    await sleep(300);
    const users = await other.listUsers();
    await refusedAndRetried;

    expect(users.map((u) => u.id)).toEqual(['101', '102']);
    const [refused, ...rest] = standIn.requests;
    const otherRequest = rest.find((r) => r.path === '/crm/v3/owners');
    const retried = rest.find((r) => r.path === '/crm/v3/properties/deals');
    expect([refused?.status, otherRequest?.status, retried?.status]).toEqual([429, 200, 200]);
    // Unpaused, the other client's request would have arrived about 300 ms after the 429.
    // (100 ms of tolerance for clock rounding between Redis and this process.)
    const pauseEnds = (refused?.at ?? 0) + 2000 - 100;
    expect(otherRequest?.at).toBeGreaterThanOrEqual(pauseEnds);
    expect(retried?.at).toBeGreaterThanOrEqual(pauseEnds);
  });

  it('two processes together never exceed the budget in any rolling window, and use all of it', async () => {
    // HubSpot's default shape (100 per 10 s) at a tenth of the scale.
    const budget = { requests: 10, windowMs: 1000 };
    standIn.rateLimit = budget;
    standIn.latencyMs = 20;
    const [one, other] = twoClients(standIn, { budget });
    await Promise.all([
      ...Array.from({ length: 10 }, () => one.listPropertyDefs()),
      ...Array.from({ length: 10 }, () => other.listUsers()),
    ]);
    expect(standIn.requests).toHaveLength(20);
    expect(standIn.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(
      busiestWindow(
        standIn.requests.map((r) => r.at),
        budget.windowMs,
      ),
    ).toBe(budget.requests);
  });

  it('writes from two processes at once all finish on a budget smaller than their updates', async () => {
    // Each compare-then-write holds its update's share while its read takes another: were
    // every share held that way, the reads would wait forever.
    const budget = { requests: 3, windowMs: 200 };
    standIn.rateLimit = budget;
    const [one, other] = twoClients(standIn, { budget });
    const write = (crm: typeof one, dealId: string, expected: string | null) =>
      crm.writeProperties([
        { dealId, property: 'economic_buyer', value: `Buyer ${dealId}`, expected },
      ]);
    const results = await Promise.all([
      write(one, '1001', 'Dana (CFO)'),
      write(one, '1002', null),
      write(one, '1003', null),
      write(other, '1004', null),
      write(other, '1005', null),
    ]);
    expect(results.flat()).toEqual(Array.from({ length: 5 }, () => ({ status: 'written' })));
    expect(standIn.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(
      busiestWindow(
        standIn.requests.map((r) => r.at),
        budget.windowMs,
      ),
    ).toBeLessThanOrEqual(budget.requests);
  });

  it('searches keep to HUBSPOT_SEARCH_PER_SECOND across processes: 4 a second is 4, never 5', async () => {
    const searchBudget = { requests: 4, windowMs: 1000 };
    const [one, other] = twoClients(standIn, { searchBudget });
    const counts = await Promise.all([
      ...Array.from({ length: 4 }, () => one.countDeals()),
      ...Array.from({ length: 4 }, () => other.countDeals()),
    ]);
    expect(new Set(counts)).toEqual(new Set([FIXTURE.deals.length]));
    const searches = standIn.requests.filter((r) => r.path === '/crm/v3/objects/deals/search');
    expect(searches).toHaveLength(8);
    expect(
      busiestWindow(
        searches.map((r) => r.at),
        searchBudget.windowMs,
      ),
    ).toBe(searchBudget.requests);
  });
});
