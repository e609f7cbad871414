import { WebClient, type WebClientOptions } from '@slack/web-api';

/**
 * Slack's Tier 3 methods that Scout calls per card or per owner. Slack allows each about 50
 * calls a minute per workspace, with short bursts; more get 429s.
 */
const TIER_3 = new Set(['chat.update', 'conversations.open', 'users.lookupByEmail']);
const TIER_3_PER_MINUTE = 50;

/** Waits for a call's turn: one bucket per method, refilled at `perMinute`, holding at most that many. */
export function methodBuckets(
  perMinute: number,
  now: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const msPerToken = 60_000 / perMinute;
  return async function take(method: string): Promise<void> {
    for (;;) {
      const t = now();
      const b = buckets.get(method) ?? { tokens: perMinute, at: t };
      b.tokens = Math.min(perMinute, b.tokens + (t - b.at) / msPerToken);
      b.at = t;
      buckets.set(method, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return;
      }
      await sleep(Math.ceil((1 - b.tokens) * msPerToken));
    }
  };
}

/** One set of buckets per workspace (bot token) in this process, whichever client calls. */
const workspaces = new Map<string, ReturnType<typeof methodBuckets>>();

/**
 * A Slack client whose Tier 3 calls share a per-workspace budget with every other limited
 * client of the process, so a burst of card updates queues here instead of drawing 429s.
 * A 429 that still comes pauses every call of the client for its Retry-After (the Web API
 * client does that itself).
 */
export class LimitedWebClient extends WebClient {
  private readonly take: ReturnType<typeof methodBuckets>;

  constructor(token: string, options: WebClientOptions = {}) {
    super(token, options);
    let take = workspaces.get(token);
    if (!take) {
      take = methodBuckets(TIER_3_PER_MINUTE);
      workspaces.set(token, take);
    }
    this.take = take;
  }

  override async apiCall(
    method: string,
    options?: Parameters<WebClient['apiCall']>[1],
  ): ReturnType<WebClient['apiCall']> {
    if (TIER_3.has(method)) await this.take(method);
    return super.apiCall(method, options);
  }
}
