import { createHash } from 'node:crypto';
import { WebClient, WebClientEvent, type WebClientOptions } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { oncePer } from '../concurrency/once-per.js';
import {
  type Answered,
  type BudgetRule,
  createRequestBudget,
  type RequestBudget,
} from '../concurrency/request-budget.js';

/**
 * Slack's Tier 3 methods that Scout calls per card or per owner. Slack allows each about 50
 * calls a minute per workspace, with short bursts; more get 429s.
 */
const TIER_3 = new Set(['chat.update', 'conversations.open', 'users.lookupByEmail']);
export const TIER_3_RULE: BudgetRule = { requests: 50, windowMs: 60_000 };

/**
 * Every Slack method's budget in a workspace: a Tier 3 method's rate, and for any method the
 * pause a 429 imposes. With Redis, one for every process on the same Redis and key prefix;
 * without, one for every client of this process built on the same `SlackLimits`.
 */
export interface SlackLimits {
  /** The limits of the workspace that the bot token stands for. */
  workspace(token: string, apiUrl: string): WorkspaceLimits;
  /**
   * True for the first ask of `key` in `windowMs` among everyone sharing the limits, so a
   * person clicking a decided card is told once a minute whichever `serve` takes the click.
   * Should Redis not answer, it says true: a second notice beats none.
   */
  firstIn(key: string, windowMs: number): Promise<boolean>;
}

export interface WorkspaceLimits {
  /** Waits for the method's turn; report the answer as `RequestBudget.take` says. */
  take(method: string): Promise<Answered>;
  /** Slack said 429: nobody sharing these limits calls the method for `ms`. */
  pause(method: string, ms: number): Promise<void>;
}

export function createSlackLimits(
  options: {
    /** Shares the limits with every process on the same Redis and key prefix. */
    shared?: {
      redis: Redis;
      /** Awaited before the first Redis call (the client connects lazily). */
      ready?: () => Promise<void>;
      /** Namespaces the Redis keys (the deployment's queue prefix). */
      keyPrefix: string;
    };
    /** Tests shrink it so that a full budget takes milliseconds. */
    tier3?: BudgetRule;
    /** Told once a pause holds for everyone sharing the limits. */
    onPaused?: (method: string, ms: number) => void;
  } = {},
): SlackLimits {
  const { shared } = options;
  const budgets = new Map<string, RequestBudget>();
  const seen = new Map<number, (key: string) => boolean>();
  const budgetOf = (key: string, method: string) => {
    let budget = budgets.get(key);
    if (!budget) {
      budget = createRequestBudget({
        rule: TIER_3.has(method) ? (options.tier3 ?? TIER_3_RULE) : null,
        namespace: 'scout-slack',
        key,
        ...(shared ? { redis: shared.redis } : {}),
        ...(shared?.ready ? { ready: shared.ready } : {}),
      });
      budgets.set(key, budget);
    }
    return budget;
  };
  return {
    async firstIn(key, windowMs) {
      const firstHere = seen.get(windowMs) ?? oncePer(windowMs);
      seen.set(windowMs, firstHere);
      // Told by this process within the window: no need to ask Redis (most repeat clicks).
      if (!firstHere(key)) return false;
      if (!shared) return true;
      try {
        await shared.ready?.();
        const redisKey = `scout-slack:{${shared.keyPrefix}}:once/${key}`;
        return (await shared.redis.set(redisKey, '1', 'PX', windowMs, 'NX')) === 'OK';
      } catch {
        return true;
      }
    },
    workspace(token, apiUrl) {
      // Slack limits per app and workspace, which the bot token stands for; the token itself
      // never goes into a Redis key.
      const workspace = createHash('sha256')
        .update(`${apiUrl}\n${token}`)
        .digest('hex')
        .slice(0, 16);
      const budget = (method: string) =>
        budgetOf(`${shared ? `${shared.keyPrefix}:` : ''}${workspace}:${method}`, method);
      return {
        take: (method) => budget(method).take(),
        async pause(method, ms) {
          await budget(method).pause(ms);
          options.onPaused?.(method, ms);
        },
      };
    },
  };
}

/**
 * A Slack client whose calls go out only within their method's budget in the workspace
 * (`SlackLimits`), so a burst of card updates queues here instead of drawing 429s. A 429
 * that still comes pauses that method for its Retry-After for every caller sharing the
 * limits; the Web API client itself also holds all of its own calls for that long and then
 * retries the refused one.
 */
export class LimitedWebClient extends WebClient {
  private readonly limits: WorkspaceLimits;

  constructor(token: string, limits: SlackLimits, options: WebClientOptions = {}) {
    super(token, options);
    this.limits = limits.workspace(token, this.slackApiUrl);
    this.on(WebClientEvent.RATE_LIMITED, (retryAfterSeconds: number, { url }: { url: string }) => {
      const method = url.startsWith(this.slackApiUrl) ? url.slice(this.slackApiUrl.length) : url;
      // Only the sharing can fail: this client waits out its own 429 regardless, and the
      // method's next take reports the unreachable Redis to its caller.
      this.limits.pause(method, retryAfterSeconds * 1000).catch(() => {});
    });
  }

  override async apiCall(
    method: string,
    options?: Parameters<WebClient['apiCall']>[1],
  ): ReturnType<WebClient['apiCall']> {
    const answered = await this.limits.take(method);
    try {
      return await super.apiCall(method, options);
    } finally {
      await answered();
    }
  }
}
