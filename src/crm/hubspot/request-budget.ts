import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

/** At most `requests` in any rolling window of `windowMs` (HubSpot counts in rolling windows). */
export interface BudgetRule {
  readonly requests: number;
  readonly windowMs: number;
}

/** Waits until one more request fits the budget; every process sharing the store shares it. */
export interface RequestBudget {
  take(): Promise<void>;
  /** Stops everyone sharing the budget for `ms` (HubSpot said 429 with Retry-After). */
  pause(ms: number): Promise<void>;
}

/**
 * rate-limiter-flexible counts in fixed windows, and HubSpot in rolling ones: two full
 * fixed windows back to back put twice the budget into one rolling window. So the window
 * is cut into k slices of W/k with ⌊B/(k+1)⌋ requests each: any rolling window of length
 * W touches at most k+1 slices, hence at most B requests, while the sustained rate stays
 * k/(k+1) of the budget (90 of 100 per 10 s). Redis keys expire in whole seconds, so
 * with Redis a slice is a whole number of seconds.
 */
export function sliceRule(
  rule: BudgetRule,
  wholeSeconds: boolean,
): { sliceMs: number; perSlice: number } {
  if (!Number.isInteger(rule.requests) || rule.requests < 2)
    throw new Error(`a request budget needs at least 2 requests per window, got ${rule.requests}`);
  for (let k = Math.min(10, rule.requests - 1); k >= 1; k--) {
    const sliceMs = rule.windowMs / k;
    if (wholeSeconds ? sliceMs >= 1000 && sliceMs % 1000 === 0 : sliceMs >= 20)
      return { sliceMs, perSlice: Math.floor(rule.requests / (k + 1)) };
  }
  throw new Error(
    `a request budget window of ${rule.windowMs} ms cannot be sliced${wholeSeconds ? ' into whole seconds (Redis)' : ''}`,
  );
}

/** A budget kept in Redis (shared by every process using the same key) or in this process's memory. */
export function createRequestBudget(options: {
  rule: BudgetRule;
  key: string;
  redis?: Redis;
  /** Awaited before the first Redis call (the client connects lazily). */
  ready?: () => Promise<void>;
}): RequestBudget {
  const { sliceMs, perSlice } = sliceRule(options.rule, options.redis !== undefined);
  const settings = { points: perSlice, duration: sliceMs / 1000, keyPrefix: 'scout-hubspot' };
  const limiter: RateLimiterAbstract = options.redis
    ? new RateLimiterRedis({ ...settings, storeClient: options.redis })
    : new RateLimiterMemory(settings);
  const ready = options.ready ?? (async () => {});
  return {
    async take() {
      await ready();
      for (;;) {
        try {
          await limiter.consume(options.key, 1);
          return;
        } catch (refusal) {
          if (!(refusal instanceof RateLimiterRes)) throw refusal;
          // A little jitter so the processes that were waiting do not all arrive at once.
          await sleep(refusal.msBeforeNext + Math.random() * 10);
        }
      }
    },
    async pause(ms: number) {
      await ready();
      await limiter.block(options.key, Math.max(ms, sliceMs) / 1000);
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
