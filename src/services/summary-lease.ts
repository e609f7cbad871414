import type { QueuedRunStore } from './ports/queued-run-store.js';

/**
 * The claim on posting a run's cards and summary, renewed every third of its length while
 * the posting lasts: Slack takes about a second per message and channel, so a big run can
 * outlast any fixed claim, and a claim that lapses lets another process's reconciler post
 * the summary a second time.
 */
export interface SummaryLease {
  /** Extends the claim now; false once it lapsed and another process took it (or posted). */
  renew(): Promise<boolean>;
  /** Whether a renewal found the claim taken by another process. */
  lost(): boolean;
  /** Stops renewing, once the renewal under way (if any) has ended. */
  stop(): Promise<void>;
}

export async function claimSummaryLease(input: {
  runs: Pick<QueuedRunStore, 'claimSummary'>;
  runId: string;
  clock: () => Date;
  leaseMs: number;
  onRenewalError: (error: Error) => void;
}): Promise<SummaryLease | null> {
  const { runs, runId, clock, leaseMs } = input;
  const at = clock();
  if (!(await runs.claimSummary(runId, at, leaseMs))) return null;
  let heldUntil = at.getTime() + leaseMs;
  let taken = false;
  const extend = async (): Promise<boolean> => {
    if (taken) return false;
    // A claim starting the instant ours ends succeeds only while the claim is still ours:
    // a process that took it over after it lapsed holds it until later than that.
    const from = heldUntil + 1;
    const until = clock().getTime() + leaseMs;
    if (until <= from) return true;
    if (await runs.claimSummary(runId, new Date(from), until - from)) {
      heldUntil = until;
      return true;
    }
    taken = true;
    return false;
  };
  let last: Promise<boolean> = Promise.resolve(true);
  const renew = (): Promise<boolean> => {
    last = last.catch(() => true).then(extend);
    return last;
  };
  const timer = setInterval(
    () => void renew().catch((error: unknown) => input.onRenewalError(error as Error)),
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return {
    renew,
    lost: () => taken,
    async stop() {
      clearInterval(timer);
      await last.catch(() => undefined);
    },
  };
}
