import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** At most `requests` in any rolling window of `windowMs` (how HubSpot and Slack count). */
export interface BudgetRule {
  readonly requests: number;
  readonly windowMs: number;
}

/** Says the request's answer (or its failure) is in; it goes on counting for a window from then. */
export type Answered = () => Promise<void>;

/** Waits until one more request fits the budget; every process sharing the store shares it. */
export interface RequestBudget {
  /**
   * Call the result once the request has its answer or has failed, whatever happened.
   * `leaveFree`: grant only while that many more could still be granted after this one.
   * A request held back for a request it makes first (an update waiting for its compare
   * read) passes 1: were every share held by such updates, their reads would wait forever.
   */
  take(leaveFree?: number): Promise<Answered>;
  /** Stops everyone sharing the budget for `ms` (the API said 429 with Retry-After). */
  pause(ms: number): Promise<void>;
}

interface Store {
  /** Grants one request (and how to report its answer), or says how long to wait at least. */
  tryTake(leaveFree: number): Promise<{ answered: Answered } | { waitMs: number }>;
  pause(ms: number): Promise<void>;
}

/**
 * A request whose process died before its answer stops counting after this long (Redis
 * only): longer than a request can be in flight (HubSpot requests time out after 30 s,
 * a Slack call with its retries gives up within about a minute).
 */
const LONGEST_REQUEST_MS = 60_000;

/**
 * The API counts a request when it arrives, which is somewhere between Scout taking its
 * share and the answer coming back. So a request counts from its take until a full window
 * after its answer, and a take is granted only while fewer than the budget count. Then no
 * rolling window of arrivals can hold more than the budget: of any budget + 1 requests
 * arriving within one window, the one taken last would have found the others all still
 * counting (each was answered after it arrived, so less than a window before the last one
 * arrived, which is after it was taken). The whole budget is usable at once, and the
 * sustained rate is the budget per window plus a round trip.
 *
 * Kept in Redis (shared by every process using the same namespace and key) or in this
 * process's memory.
 */
export function createRequestBudget(options: {
  /**
   * `null` counts nothing: takes only wait out pauses (requests whose limit Scout does not
   * know, which still must stop when the API says 429).
   */
  rule: BudgetRule | null;
  /** Whose budgets these are (`scout-hubspot`, `scout-slack`): the Redis keys start with it. */
  namespace: string;
  key: string;
  redis?: Redis;
  /** Awaited before the first Redis call (the client connects lazily). */
  ready?: () => Promise<void>;
}): RequestBudget {
  const { rule } = options;
  if (rule) checkRule(rule);
  const store = options.redis
    ? redisStore(
        rule,
        `${options.namespace}:{${options.key}}`,
        options.redis,
        options.ready ?? (async () => {}),
      )
    : memoryStore(rule);
  return {
    async take(leaveFree = 0) {
      if (rule && leaveFree >= rule.requests)
        throw new Error(
          `a request budget of ${rule.requests} cannot keep ${leaveFree} free besides the request itself`,
        );
      for (;;) {
        const granted = await store.tryTake(leaveFree);
        if ('answered' in granted) return granted.answered;
        // A little jitter so the processes that were waiting do not all arrive at once.
        await sleep(granted.waitMs + Math.random() * 10);
      }
    },
    pause: (ms) => store.pause(ms),
  };
}

function checkRule({ requests, windowMs }: BudgetRule): void {
  if (!Number.isInteger(requests) || requests < 1)
    throw new Error(
      `a request budget needs a whole number of requests (1 or more), got ${requests}`,
    );
  if (!(windowMs > 0))
    throw new Error(`a request budget needs a window of time, got ${windowMs} ms`);
}

/** What a take under no rule reports: nothing was counted. */
const NOTHING_COUNTED: Answered = async () => {};

function memoryStore(rule: BudgetRule | null): Store {
  let inFlight = 0;
  /** When each answered request stops counting, earliest first. */
  const counting: number[] = [];
  let pausedUntil = 0;
  return {
    async tryTake(leaveFree) {
      const now = performance.now();
      if (pausedUntil > now) return { waitMs: pausedUntil - now };
      if (!rule) return { answered: NOTHING_COUNTED };
      while ((counting[0] ?? Number.POSITIVE_INFINITY) <= now) counting.shift();
      const over = inFlight + counting.length + 1 + leaveFree - rule.requests;
      if (over > 0) return { waitMs: earliestFit(counting, over, now, rule.windowMs) };
      inFlight += 1;
      return {
        answered: once(async () => {
          inFlight -= 1;
          counting.push(performance.now() + rule.windowMs);
        }),
      };
    },
    async pause(ms) {
      pausedUntil = Math.max(pausedUntil, performance.now() + ms);
    },
  };
}

/**
 * How long until `over` counted requests have stopped counting: answered ones stop at their
 * known times (all within a window from now), one still in flight no sooner than a window
 * from now. A lower bound; the take is simply tried again then.
 */
function earliestFit(
  answeredUntil: readonly number[],
  over: number,
  now: number,
  windowMs: number,
): number {
  const at = answeredUntil[over - 1];
  return at === undefined ? windowMs : at - now;
}

/*
 * The Redis store keeps the requests in flight and the answered ones in two sorted sets
 * scored by when they stop counting, and reads the time from Redis itself, so the clocks
 * of the processes sharing it do not matter. `{…}` keeps a budget's keys in one cluster slot.
 */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`;

/**
 * KEYS: in flight, answered, paused.
 * ARGV: requests, window ms, longest request ms, id, leaveFree.
 */
const TAKE = `${NOW}
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then return paused end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local window = tonumber(ARGV[2])
local inFlight = redis.call('ZCARD', KEYS[1])
local answered = redis.call('ZCARD', KEYS[2])
local over = inFlight + answered + 1 + tonumber(ARGV[5]) - tonumber(ARGV[1])
if over <= 0 then
  local lease = window + tonumber(ARGV[3])
  redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(lease))
  return 0
end
if over > answered then return math.ceil(window) end
local at = redis.call('ZRANGE', KEYS[2], over - 1, over - 1, 'WITHSCORES')
return math.max(1, math.ceil(tonumber(at[2]) - now))
`;

/** KEYS: in flight, answered. ARGV: window ms, id. */
const ANSWERED = `${NOW}
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[2], math.ceil(tonumber(ARGV[1])))
`;

/** KEYS: paused. ARGV: ms. A shorter pause never cuts a longer one short. */
const PAUSE = `if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
`;

function redisStore(
  rule: BudgetRule | null,
  key: string,
  redis: Redis,
  ready: () => Promise<void>,
): Store {
  const inFlight = `${key}:in-flight`;
  const answered = `${key}:answered`;
  const paused = `${key}:paused`;
  return {
    async tryTake(leaveFree) {
      await ready();
      if (!rule) {
        const pausedMs = await redis.pttl(paused);
        return pausedMs > 0 ? { waitMs: pausedMs } : { answered: NOTHING_COUNTED };
      }
      const id = randomUUID();
      const waitMs = Number(
        await redis.eval(
          TAKE,
          3,
          inFlight,
          answered,
          paused,
          rule.requests,
          rule.windowMs,
          LONGEST_REQUEST_MS,
          id,
          leaveFree,
        ),
      );
      if (waitMs > 0) return { waitMs };
      return {
        answered: once(async () => {
          // If Redis cannot be told, the request counts until LONGEST_REQUEST_MS has passed:
          // slower, never over; and the answer the caller is waiting for is not lost to it.
          await redis.eval(ANSWERED, 2, inFlight, answered, rule.windowMs, id).catch(() => {});
        }),
      };
    },
    async pause(ms) {
      if (ms <= 0) return;
      await ready();
      await redis.eval(PAUSE, 1, paused, Math.ceil(ms));
    },
  };
}

function once(report: Answered): Answered {
  let done: Promise<void> | null = null;
  return () => {
    done ??= report();
    return done;
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
