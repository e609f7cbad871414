import type { z } from 'zod';
import { noteCrmCall } from '../crm-call-count.js';
import type { Session, SessionSource } from './salesforce-auth.js';
import { explainFailure, type RequestPurpose, SalesforceError } from './salesforce-errors.js';
import { errorBodySchema, parseLimitInfo } from './wire.js';

export interface RetryPolicy {
  /** Further attempts after a 5xx, a lost answer or REQUEST_LIMIT_EXCEEDED for concurrent requests. */
  readonly attempts: number;
  /** First backoff; doubles each attempt, with full jitter. */
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 500, maxMs: 8000 };

export interface SalesforceRequest<S extends z.ZodType> {
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** Under the instance URL, e.g. `/services/data/v60.0/query`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Sending it twice does no more than once (reads, updates to absolute values): retried after a 5xx. */
  readonly idempotent: boolean;
  readonly purpose: RequestPurpose;
  readonly schema: S;
  /** The answer is a blob (a note's body), not JSON. */
  readonly text?: boolean;
}

export interface SalesforceHttp {
  send<S extends z.ZodType>(request: SalesforceRequest<S>): Promise<z.output<S>>;
  /** Requests sent so far, retries and token refreshes' retries included. */
  calls(): number;
  /** The org's API usage as the last answer's Sforce-Limit-Info gave it. */
  usage(): { used: number; max: number } | null;
}

/** A failure worth another try after a wait: the request was not (or may not have been) processed. */
export class RetryableError extends Error {}

/**
 * Plain `fetch` to Salesforce's REST API: every answer's Sforce-Limit-Info is kept, every
 * answer validated, a 401 refreshes the session once, and 5xx, lost answers and
 * REQUEST_LIMIT_EXCEEDED for concurrent requests are retried with backoff when the request
 * is idempotent. The daily allocation running out is not retried: waiting cannot help.
 */
export function createSalesforceHttp(options: {
  session: SessionSource;
  retry?: RetryPolicy;
  timeoutMs?: number;
}): SalesforceHttp {
  const retry = options.retry ?? DEFAULT_RETRY;
  let calls = 0;
  let usage: { used: number; max: number } | null = null;

  async function attempt<S extends z.ZodType>(
    request: SalesforceRequest<S>,
    session: Session,
  ): Promise<z.output<S>> {
    const url = new URL(`${session.instanceUrl}${request.path}`);
    for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
    calls += 1;
    noteCrmCall();
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: {
          authorization: `Bearer ${session.accessToken}`,
          accept: request.text ? '*/*' : 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...request.headers,
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      const e = explainFailure(
        0,
        { message: (error as Error).message, errorCode: 'NO_ANSWER' },
        request.purpose,
      );
      throw request.idempotent ? new RetryableError(e.message, { cause: e }) : e;
    }
    const seen = parseLimitInfo(response.headers.get('sforce-limit-info'));
    if (seen) usage = seen;
    const text = await response.text();
    if (response.status >= 500) {
      const e = explainFailure(response.status, null, request.purpose);
      throw request.idempotent ? new RetryableError(e.message, { cause: e }) : e;
    }
    if (!response.ok) {
      const parsed = errorBodySchema.safeParse(parseJson(text));
      const first = parsed.success
        ? (parsed.data[0] ?? null)
        : { message: text.slice(0, 300), errorCode: 'UNKNOWN' };
      const e = explainFailure(response.status, first, request.purpose);
      // Concurrent long-running requests over the org's limit: the request was not processed.
      if (first?.errorCode === 'REQUEST_LIMIT_EXCEEDED' && !/TotalRequests/i.test(first.message))
        throw new RetryableError(e.message, { cause: e });
      throw e;
    }
    const body = request.text ? text : parseJson(text);
    const parsed = request.schema.safeParse(body);
    if (!parsed.success)
      throw new SalesforceError(
        response.status,
        'UNEXPECTED_RESPONSE',
        `Salesforce answered the request to ${request.purpose.action} in a shape Scout does not understand: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
          .join('; ')}`,
      );
    return parsed.data;
  }

  return {
    calls: () => calls,
    usage: () => usage,
    async send(request) {
      let session = await options.session.current();
      let refreshed = false;
      for (let failures = 0; ; ) {
        try {
          return await attempt(request, session);
        } catch (error) {
          if (error instanceof SalesforceError && error.status === 401 && !refreshed) {
            refreshed = true;
            session = await options.session.refresh(session);
            continue;
          }
          if (!(error instanceof RetryableError) || failures >= retry.attempts)
            throw error instanceof RetryableError ? error.cause : error;
          await sleep(backoff(retry, failures++));
        }
      }
    },
  };
}

export function backoff(retry: RetryPolicy, failures: number): number {
  return Math.random() * Math.min(retry.maxMs, retry.baseMs * 2 ** failures);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
