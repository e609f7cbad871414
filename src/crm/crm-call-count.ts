import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<{ calls: number }>();

/**
 * Runs `work`, counting the CRM requests sent on its behalf. A worker's deal jobs share
 * one CRM client and interleave, so a client-wide counter cannot tell whose a request
 * was; the async context can, and it follows a batch read into whichever job started it.
 */
export function countingCrmCalls<T>(work: (calls: () => number) => Promise<T>): Promise<T> {
  const counter = { calls: 0 };
  return scope.run(counter, () => work(() => counter.calls));
}

/** Called by remote CRM clients for every request sent, retries included. */
export function noteCrmCall(): void {
  const counter = scope.getStore();
  if (counter) counter.calls += 1;
}
