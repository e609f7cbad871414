import { createHash } from 'node:crypto';
import { openLazyRedis } from '../../concurrency/lazy-redis.js';
import { type BudgetRule, createRequestBudget } from '../../concurrency/request-budget.js';
import { createHubSpotCrm, type HubSpotCrm } from './hubspot-crm.js';
import { createHubSpotHttp, type RetryPolicy } from './hubspot-http.js';

export interface HubSpotSettings {
  readonly token: string;
  readonly baseUrl: string;
  /** The general budget: HubSpot's is 100 (Free/Starter) or 190 (Professional+) per 10 s. */
  readonly budget: BudgetRule;
  /** Search has its own, about 4 per second. */
  readonly searchBudget: BudgetRule;
  /** With Redis, every process using the same account shares one budget; without, each has its own. */
  readonly redisUrl?: string;
  /** Namespaces the budget's Redis keys (the deployment's queue prefix). */
  readonly keyPrefix: string;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
}

/** The HubSpot adapter with its request budget; `close` releases the budget's Redis connection. */
export function openHubSpotCrm(settings: HubSpotSettings): {
  crm: HubSpotCrm;
  close(): Promise<void>;
} {
  const redis = settings.redisUrl
    ? openLazyRedis(settings.redisUrl, 'HubSpot request budget')
    : undefined;
  // The budget belongs to the HubSpot account, so the key is derived from the token (never the token itself).
  const account = createHash('sha256')
    .update(`${settings.baseUrl}\n${settings.token}`)
    .digest('hex')
    .slice(0, 16);
  const budget = (name: string, rule: BudgetRule) =>
    createRequestBudget({
      rule,
      namespace: 'scout-hubspot',
      key: `${settings.keyPrefix}:${account}:${name}`,
      ...(redis ? { redis: redis.redis, ready: redis.ready } : {}),
    });
  const http = createHubSpotHttp({
    baseUrl: settings.baseUrl,
    token: settings.token,
    budget: budget('all', settings.budget),
    searchBudget: budget('search', settings.searchBudget),
    ...(settings.retry ? { retry: settings.retry } : {}),
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
  });
  return {
    crm: createHubSpotCrm(http),
    close: async () => redis?.close(),
  };
}
