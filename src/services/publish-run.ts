import { type Action, emptyCounts } from '../domain/actions.js';
import { estimateCost } from '../domain/model-pricing.js';
import type { RunRow } from '../domain/run-record.js';
import { emptyUsage, type ModelUsage, policyOf, type RunSummary } from '../domain/run-summary.js';
import type { WriteGateState } from '../domain/write-gates.js';
import { REPLAY_MODEL } from '../extraction/replay-extractor.js';
import type { Logger } from '../logger.js';
import type { Notifier } from './ports/notifier.js';
import type { QueuedRunStore } from './ports/queued-run-store.js';
import { claimSummaryLease } from './summary-lease.js';

/** How long a claim on posting lasts without renewal; it is renewed while posting goes on. */
const CLAIM_MS = 120_000;

export interface PublishDeps {
  readonly runs: QueuedRunStore;
  readonly notifier: Notifier | null;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** The claim's length (default two minutes); tests shorten it. */
  readonly summaryLeaseMs?: number;
}

/**
 * Posts a finished worker run to Slack: its approval cards, then its summary to the
 * ops channel. One process at a time holds the claim, renewed for as long as posting
 * takes; a failure releases it for the reconciler to try again (cards already posted
 * are not posted again), so a summary is posted once and never silently dropped.
 */
export async function publishRun(deps: PublishDeps, summary: RunSummary): Promise<boolean> {
  const runId = summary.run_id;
  const lease = await claimSummaryLease({
    runs: deps.runs,
    runId,
    clock: deps.clock,
    leaseMs: deps.summaryLeaseMs ?? CLAIM_MS,
    onRenewalError: (error) =>
      deps.logger.warn(
        { run_id: runId, err: error.message },
        'renewing the claim on posting the run failed; retrying',
      ),
  });
  if (!lease) return false;
  try {
    if (deps.notifier) {
      await deps.notifier.postProposals(runId);
      await deps.notifier.postSuggestions?.(runId);
      await deps.notifier.postNotices?.(runId);
      // Only live writes are told of: a dry run finds none.
      await deps.notifier.postWriteNotices?.(runId);
      // Checked (and extended) right before: only the claim's holder posts the summary.
      if (!(await lease.renew())) throw new Error('another process took over posting the run');
      await deps.notifier.postRunSummary(summary);
    }
    await deps.runs.summaryPosted(runId, deps.clock());
  } catch (error) {
    await lease.stop();
    if (lease.lost()) {
      deps.logger.warn(
        { run_id: runId },
        'the claim on posting the run lapsed and another process took it over; it posts the summary',
      );
      return false;
    }
    await deps.runs.releaseSummary(runId);
    deps.logger.error(
      { run_id: runId, err: (error as Error).message },
      'posting the run summary failed; it will be retried',
    );
    return false;
  }
  await lease.stop();
  deps.logger.info(
    {
      run_id: runId,
      mode: summary.mode,
      scanned: summary.scanned,
      slack: deps.notifier !== null,
    },
    'run summary published',
  );
  return true;
}

/** A finished run's summary as stored, for posting it after the process that finished it died. */
export function storedSummary(run: RunRow): RunSummary {
  const usage = { ...emptyUsage(), ...(run.usage as Partial<ModelUsage>) };
  return {
    run_id: run.id,
    status: run.status === 'interrupted' || run.status === 'failed' ? run.status : 'completed',
    mode: run.mode === 'live' ? 'live' : 'dry_run',
    locks: run.locks as WriteGateState,
    scanned: run.scanned,
    total: run.total,
    cap: run.cap,
    counts: { ...emptyCounts(), ...(run.counts as Partial<Record<Action, number>>) },
    deals: { extracted: 0, no_new_notes: 0, failed: 0, ...(run.dealCounts as object) },
    warnings: run.warnings,
    usage,
    estimated_cost_usd: run.model === REPLAY_MODEL ? 0 : estimateCost(usage, run.model, false),
    model: run.model,
    started_at: run.startedAt.toISOString(),
    finished_at: (run.finishedAt ?? run.startedAt).toISOString(),
    chain_head: run.chainHead ?? null,
    ...(run.hubspotApiCalls !== null ? { hubspot_api_calls: run.hubspotApiCalls } : {}),
    ...policyOf({ path: run.policyPath, sha256: run.policySha256 }),
  };
}
