import type { z } from 'zod';
import { type Answered, type RequestBudget, sleep } from '../../concurrency/request-budget.js';
import { noteCrmAnswer } from '../../metrics/process-metrics.js';
import { noteCrmCall } from '../crm-call-count.js';
import { explainFailure, HubSpotError, type RequestPurpose } from './hubspot-errors.js';
import { errorBodySchema } from './wire.js';

export interface RetryPolicy {
  /** Further attempts after a 5xx or a lost connection (idempotent requests only). */
  readonly attempts: number;
  /** First backoff; doubles each attempt, with full jitter. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** Further attempts after a 429 (safe for any request: HubSpot did not process it). */
  readonly rateLimitedAttempts: number;
  /** Wait after a 429 that carries no Retry-After. */
  readonly defaultRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseMs: 500,
  maxMs: 8000,
  rateLimitedAttempts: 8,
  defaultRetryAfterMs: 10_000,
};

export interface HubSpotRequest<S extends z.ZodType> {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /**
   * Whether sending it twice does no more than sending it once (reads, searches, and
   * updates to absolute values). Only these are retried after a 5xx or a lost answer.
   */
  readonly idempotent: boolean;
  /** Search has a budget of its own besides the general one. */
  readonly search?: boolean;
  readonly purpose: RequestPurpose;
  readonly schema: S;
}

export interface HubSpotHttp {
  send<S extends z.ZodType>(
    request: HubSpotRequest<S>,
  ): Promise<{ status: number; data: z.output<S> }>;
  /**
   * Sends a request built from a fresh read (a compare-then-write's update), so that no
   * wait falls between the read and the send: the request's budget is taken before
   * `prepare` runs (leaving a share free for the read), and after a 429, a 5xx or a lost
   * answer the wait comes first and then `prepare` runs again (told it is a retry: the last
   * try may have landed) instead of the same request going out again. `prepare` returning
   * null sends nothing. Not for searches.
   */
  sendPrepared(
    prepare: (retry: boolean) => Promise<HubSpotRequest<z.ZodType> | null>,
  ): Promise<{ status: number; data: unknown } | null>;
  /** Requests sent so far, retries included: what HubSpot counts against the budget. */
  calls(): number;
}

/** How many times a request has failed so far, by kind. */
interface Tries {
  failures: number;
  rateLimited: number;
}

/**
 * Plain `fetch` to HubSpot's CRM API: every request waits for the shared budget, every
 * answer is validated, 429 waits for Retry-After (and pauses everyone sharing the budget),
 * 5xx and lost answers are retried with backoff only when the request is idempotent.
 */
export function createHubSpotHttp(options: {
  baseUrl: string;
  token: string;
  budget: RequestBudget;
  searchBudget: RequestBudget;
  retry?: RetryPolicy;
  timeoutMs?: number;
}): HubSpotHttp {
  const retry = options.retry ?? DEFAULT_RETRY;
  const base = options.baseUrl.replace(/\/+$/, '');
  let calls = 0;

  /** One try: the answer, or how long to wait before another; throws when there must be no other. */
  async function attempt<S extends z.ZodType>(
    request: HubSpotRequest<S>,
    tries: Tries,
  ): Promise<{ status: number; data: z.output<S> } | { waitMs: number }> {
    const url = new URL(`${base}${request.path}`);
    for (const [k, v] of Object.entries(request.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, v);
    calls += 1;
    noteCrmCall();
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      noteCrmAnswer('hubspot', 0);
      // The request may or may not have been applied: only an idempotent one is sent again.
      if (request.idempotent && tries.failures < retry.attempts)
        return { waitMs: backoff(retry, tries.failures++) };
      const e = explainFailure(0, { message: (error as Error).message }, request.purpose);
      throw new HubSpotError(e.status, e.category, e.correlationId, e.message, { cause: error });
    }
    noteCrmAnswer('hubspot', response.status);
    if (response.status === 429 && tries.rateLimited < retry.rateLimitedAttempts) {
      tries.rateLimited += 1;
      await response.body?.cancel();
      const waitMs = retryAfterMs(response.headers.get('retry-after')) ?? retry.defaultRetryAfterMs;
      await options.budget.pause(waitMs);
      return { waitMs };
    }
    if (response.status >= 500 && request.idempotent && tries.failures < retry.attempts) {
      await response.body?.cancel();
      return { waitMs: backoff(retry, tries.failures++) };
    }
    const text = await response.text();
    const json = parseJson(text);
    if (!response.ok) {
      const body = errorBodySchema.safeParse(json);
      throw explainFailure(
        response.status,
        body.success ? body.data : { message: text.slice(0, 300) },
        request.purpose,
      );
    }
    const parsed = request.schema.safeParse(json);
    if (!parsed.success) {
      throw new HubSpotError(
        response.status,
        'UNEXPECTED_RESPONSE',
        undefined,
        `HubSpot answered the request to ${request.purpose.action} in a shape Scout does not understand: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
          .join('; ')}`,
      );
    }
    return { status: response.status, data: parsed.data };
  }

  return {
    calls: () => calls,
    async send(request) {
      const tries: Tries = { failures: 0, rateLimited: 0 };
      const budgets = request.search ? [options.budget, options.searchBudget] : [options.budget];
      for (;;) {
        const answer = await within(budgets, () => attempt(request, tries));
        if (!('waitMs' in answer)) return answer;
        await sleep(answer.waitMs);
      }
    },
    async sendPrepared(prepare) {
      const tries: Tries = { failures: 0, rateLimited: 0 };
      for (let retrying = false; ; retrying = true) {
        const answer = await within(
          [options.budget],
          async () => {
            const request = await prepare(retrying);
            return request === null ? null : attempt(request, tries);
          },
          1,
        );
        if (answer === null) return null;
        if (!('waitMs' in answer)) return answer;
        await sleep(answer.waitMs);
      }
    },
  };
}

/**
 * One try holding a share of each budget. Each is told when the try is over, however it
 * ended: a request counts against HubSpot's window until its answer is in. `leaveFree` is
 * for a request that makes another first (see `RequestBudget.take`).
 */
async function within<T>(
  budgets: readonly RequestBudget[],
  run: () => Promise<T>,
  leaveFree = 0,
): Promise<T> {
  const taken: Answered[] = [];
  try {
    for (const budget of budgets) taken.push(await budget.take(leaveFree));
    return await run();
  } finally {
    await Promise.all(taken.map((answered) => answered()));
  }
}

function backoff(retry: RetryPolicy, failures: number): number {
  return Math.random() * Math.min(retry.maxMs, retry.baseMs * 2 ** failures);
}

/** Retry-After is seconds or an HTTP date. */
export function retryAfterMs(header: string | null): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
