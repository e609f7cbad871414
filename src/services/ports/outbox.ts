import type { JobData } from './job-data.js';
import type { Tx } from './transaction.js';

/** An apply job promised with the decision that needs it; its id makes a second promise a no-op. */
export interface PromisedApply {
  readonly jobId: string;
  readonly payload: JobData<'applies'>;
}

/**
 * Work promised in the same transaction as the decision that needs it: a relay moves it
 * into the queue later, so a decision is never lost to Redis being down.
 */
export interface Outbox {
  promiseApply(tx: Tx, apply: PromisedApply): Promise<void>;
}
