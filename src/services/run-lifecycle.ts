import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RunLeaseSpec, RunLedger } from '../db/run-ledger.js';
import type { RunSummary } from '../domain/run-summary.js';
import type { Logger } from '../logger.js';
import { storedSummary } from './publish-run.js';

/**
 * SPEC G20: every run ends. A run holds a lease while it works and renews it well
 * before it lapses; a run whose lease lapsed has no process left working on it, and
 * whoever notices first (the next run, the worker, `serve`) marks it `interrupted` and
 * posts its summary with what it did so far.
 */
export const DEFAULT_RUN_LEASE_MS = 30_000;

/** The holder of worker runs: any live worker renews them (their deal jobs go to any worker). */
export const WORKER_HOLDER = 'worker';

/** Unique per process: two hosts may reuse a pid, and a restarted process must not renew its predecessor's runs. */
const PROCESS_HOLDER = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/** This process's lease on the runs it drives itself (CLI runs, undos). */
export function processLease(ms = DEFAULT_RUN_LEASE_MS): RunLeaseSpec {
  return { holder: PROCESS_HOLDER, ms };
}

export interface HeldLease {
  /** Stops renewing; the run is about to be finished (or failed) by its holder. */
  stop(): void;
}

/**
 * Renews the leases of `holder` every third of the lease, off the event loop's critical
 * path (the timer does not keep the process alive). A failed renewal is logged and
 * retried at the next beat; two misses in a row still leave a third of the lease.
 */
export function holdLeases(deps: {
  ledger: Pick<RunLedger, 'renewLeases'>;
  lease: RunLeaseSpec;
  logger: Logger;
}): HeldLease {
  const beat = setInterval(
    () => {
      deps.ledger.renewLeases(deps.lease).catch((error: Error) => {
        deps.logger.warn({ err: error.message }, 'renewing the run lease failed; retrying');
      });
    },
    Math.max(50, Math.floor(deps.lease.ms / 3)),
  );
  beat.unref();
  return { stop: () => clearInterval(beat) };
}

/** How a run's summary says it was cut short. */
export function interruptedWarning(run: { leaseHolder: string | null }): string {
  return `INTERRUPTED: the process running this run (${run.leaseHolder ?? 'unknown'}) stopped before it finished, and its lease lapsed. What it logged so far stands; deals it had not reached were not looked at. Undo it with \`scout undo --run <id>\` if needed, or run again to cover the rest.`;
}

/**
 * Marks every running run whose lease lapsed as interrupted, and returns their summaries
 * (built from what they logged) for posting. Safe with many callers: one UPDATE decides.
 */
export async function interruptLapsedRuns(deps: {
  ledger: Pick<RunLedger, 'interruptLapsed'>;
  logger: Logger;
}): Promise<RunSummary[]> {
  const summaries = (await deps.ledger.interruptLapsed(interruptedWarning)).map(storedSummary);
  for (const s of summaries)
    deps.logger.warn({ run_id: s.run_id, mode: s.mode }, 'run interrupted: its lease lapsed');
  return summaries;
}
