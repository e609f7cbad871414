import { randomUUID } from 'node:crypto';
import { LogLevel } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LazyRedis, openLazyRedis } from '../../src/concurrency/lazy-redis.js';
import type { BudgetRule } from '../../src/concurrency/request-budget.js';
import {
  createSlackLimits,
  LimitedWebClient,
  type SlackLimits,
} from '../../src/slack/limited-client.js';
import { freePort } from '../support/redis-server.js';
import { busiestWindow } from '../support/rolling-window.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { until } from '../support/worker-harness.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Tier 3's shape (50 a minute) at a small scale, so that a test uses it up in moments. */
const TIER_3: BudgetRule = { requests: 5, windowMs: 400 };
const RETRY_AFTER_S = 2;

/** Two Slack clients on one workspace, each with the limits its process would have. */
interface Setup {
  readonly name: string;
  /** Limits for the two clients, and a way to hear when a 429's pause holds for both. */
  limits(): { one: SlackLimits; two: SlackLimits; paused: Promise<string> };
}

const connections: Redis[] = [];

const setups: Setup[] = [
  {
    name: 'two processes sharing Redis (each its own connection and limits)',
    limits() {
      const keyPrefix = `t-${randomUUID()}`;
      let paused!: (method: string) => void;
      const limitsOfAProcess = (onPaused?: (method: string) => void) => {
        const redis = new Redis(REDIS_URL);
        connections.push(redis);
        return createSlackLimits({
          shared: { redis, keyPrefix },
          tier3: TIER_3,
          ...(onPaused ? { onPaused } : {}),
        });
      };
      return {
        paused: new Promise<string>((resolve) => {
          paused = resolve;
        }),
        one: limitsOfAProcess((method) => paused(method)),
        two: limitsOfAProcess(),
      };
    },
  },
  {
    name: 'one process without Redis',
    limits() {
      let paused!: (method: string) => void;
      const limits = createSlackLimits({ tier3: TIER_3, onPaused: (method) => paused(method) });
      return {
        paused: new Promise<string>((resolve) => {
          paused = resolve;
        }),
        one: limits,
        two: limits,
      };
    },
  },
];

describe.each(setups)('Slack limits: $name', (setup) => {
  let slack: SlackStandIn;
  beforeEach(async () => {
    slack = await startSlackStandIn();
  });
  afterEach(async () => {
    for (const redis of connections.splice(0)) await redis.quit();
    await slack.close();
  });

  const clients = () => {
    const limits = setup.limits();
    const client = (of: SlackLimits) =>
      new LimitedWebClient(slack.token, of, {
        slackApiUrl: `${slack.url}/`,
        // The refused call's retry is logged at INFO and WARN; expected here.
        logLevel: LogLevel.ERROR,
        retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 50 },
      });
    return { one: client(limits.one), two: client(limits.two), paused: limits.paused };
  };

  it('two clients together never exceed the Tier 3 budget of a method in any window', async () => {
    const { one, two } = clients();
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => one.conversations.open({ users: `U0ONE${i}` })),
      ...Array.from({ length: 10 }, (_, i) => two.conversations.open({ users: `U0TWO${i}` })),
    ]);
    const opened = slack.calls.filter((c) => c.method === 'conversations.open');
    expect(opened).toHaveLength(20);
    const at = opened.map((c) => c.at);
    expect(busiestWindow(at, TIER_3.windowMs)).toBe(TIER_3.requests);
  });

  it('a 429 for chat.update holds every client’s chat.update for its Retry-After, and nothing else', async () => {
    const { one, two, paused } = clients();
    const posted = await one.chat.postMessage({ channel: 'D01ANA', text: 'a card' });
    const card = { channel: 'D01ANA', ts: posted.ts as string };
    slack.faults.set('chat.update', [{ status: 429, retryAfter: RETRY_AFTER_S }]);

    const refusedThenRetried = one.chat.update({ ...card, text: 'from one' });
    expect(await paused).toBe('chat.update');
    await Promise.all([
      refusedThenRetried,
      two.chat.update({ ...card, text: 'from two' }),
      two.chat.postMessage({ channel: 'D01BEN', text: 'another card' }),
    ]);

    const updates = slack.calls.filter((c) => c.method === 'chat.update');
    const [refused, ...later] = updates;
    expect(updates.map((u) => u.args.text).sort()).toEqual(['from one', 'from one', 'from two']);
    const pauseEnds = (refused?.at ?? 0) + RETRY_AFTER_S * 1000;
    // No chat.update reached Slack inside the pause, the other client's included.
    for (const update of later) expect(update.at).toBeGreaterThanOrEqual(pauseEnds);
    // The other client's post went out during the pause: only chat.update was paused.
    const post = slack.calls.find(
      (c) => c.method === 'chat.postMessage' && c.args.channel === 'D01BEN',
    );
    expect(post?.at).toBeLessThan(pauseEnds);
    expect(slack.messages.get(`${card.channel}/${card.ts}`)?.updates).toBe(2);
  });
  it('a notice to a person is first once per window among everyone sharing the limits', async () => {
    const { one, two } = setup.limits();
    const window = 300;
    expect(await one.firstIn('U0ANA/p1', window)).toBe(true);
    expect(await two.firstIn('U0ANA/p1', window)).toBe(false);
    expect(await one.firstIn('U0ANA/p1', window)).toBe(false);
    expect(await two.firstIn('U0BEN/p1', window)).toBe(true);
    // Once the window has passed, the person may be told again.
    await until(() => two.firstIn('U0ANA/p1', window), 'the window to pass', 5_000);
  });
});

describe('Slack limits when Redis does not answer', () => {
  let slack: SlackStandIn;
  let lazy: LazyRedis;
  beforeEach(async () => {
    slack = await startSlackStandIn();
    lazy = openLazyRedis(`redis://127.0.0.1:${await freePort()}`, 'Slack rate limits');
  });
  afterEach(async () => {
    await lazy.close();
    await slack.close();
  });

  it('a Slack call fails saying so, and reaches no Slack; a notice is sent rather than lost', async () => {
    const limits = createSlackLimits({
      shared: { redis: lazy.redis, ready: lazy.ready, keyPrefix: `t-${randomUUID()}` },
    });
    const client = new LimitedWebClient(slack.token, limits, {
      slackApiUrl: `${slack.url}/`,
      retryConfig: { retries: 0 },
    });
    await expect(client.chat.postMessage({ channel: 'D01ANA', text: 'a card' })).rejects.toThrow(
      'cannot reach Redis for the Slack rate limits',
    );
    expect(slack.calls).toEqual([]);
    expect(await limits.firstIn('U0ANA/p1', 60_000)).toBe(true);
    // This process told the person already: that needs no Redis.
    expect(await limits.firstIn('U0ANA/p1', 60_000)).toBe(false);
  });
});
