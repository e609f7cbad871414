import { countingCrmCalls } from '../crm/crm-call-count.js';
import { AlreadySettled, RunEnded } from '../domain/run-errors.js';
import type { RunRow } from '../domain/run-record.js';
import { emptyUsage, type RunSummary } from '../domain/run-summary.js';
import type { WriteGateState } from '../domain/write-gates.js';
import { resolveWriteGates } from '../domain/write-gates.js';
import { type DealOutcome, failedExtraction } from './deal-outcome.js';
import { createDealPrefetch } from './deal-prefetch.js';
import type { CrmDeal } from './ports/crm.js';
import type { JobData } from './ports/job-data.js';
import type { QueuedRunDeps } from './queued-run-deps.js';
import { settleBeforeDeciding } from './recover-writes.js';
import { extractDeal } from './run-extraction.js';
import { pausedMidRun, stillLive, summarize } from './run-lifecycle.js';
import { OBJECT, type RunState, runState } from './run-state.js';
import { type DealCounts, settlePage } from './settle-page.js';

/** CRM reads a batch of deal jobs at a time: HubSpot's batch reads take 100 ids. */
const PREFETCH_BATCH = 100;
/**
 * Jobs that start together run out of fan-out order: the one that chooses a batch may come
 * after deals whose jobs wait for its choice. A batch starts this many deals back, which
 * covers the default deal concurrency (SCOUT_WORKER_CONCURRENCY, 20).
 */
const PREFETCH_LOOKBACK = 32;

/**
 * What one process's deal jobs share: CRM reads prefetched for the deals around each job,
 * and run contexts (schema, users, fields) by run id — one CRM read per run per process,
 * not per deal. The runtime makes one per process; nothing here is module state.
 */
export interface DealJobCaches {
  readonly prefetch: ReturnType<typeof createDealPrefetch>;
  readonly contexts: Map<string, Promise<RunState>>;
}

export function createDealJobCaches(): DealJobCaches {
  return {
    // Wall time, not the run's clock: the TTL bounds how long a read waits in memory.
    prefetch: createDealPrefetch({ batch: PREFETCH_BATCH, ttlMs: 120_000, now: () => Date.now() }),
    contexts: new Map(),
  };
}

const CONTEXTS_KEPT = 8;

function contextFor(deps: QueuedRunDeps, run: RunRow): Promise<RunState> {
  const { contexts } = deps.dealJobCaches;
  let ctx = contexts.get(run.id);
  if (!ctx) {
    ctx = runState(deps, {
      runId: run.id,
      resolved: { locks: run.locks as WriteGateState, open: run.mode === 'live', warnings: [] },
      dealIds: run.dealFilter ?? undefined,
      total: run.total,
      cap: run.cap,
      model: run.model,
      startedAt: run.startedAt,
    });
    ctx.catch(() => contexts.delete(run.id));
    contexts.set(run.id, ctx);
    if (contexts.size > CONTEXTS_KEPT) contexts.delete(contexts.keys().next().value as string);
  }
  return ctx;
}

/**
 * One deal of a worker run: extract, judge, write (live only), and commit the deal's
 * provenance together with settling its row, so a redelivered job changes nothing.
 * The job that settles the run's last deal finishes the run.
 */
export function runDealJob(
  deps: QueuedRunDeps,
  data: JobData<'deals'>,
): Promise<RunSummary | null> {
  return countingCrmCalls((calls) => dealJob(deps, data, calls));
}

async function dealJob(
  deps: QueuedRunDeps,
  data: JobData<'deals'>,
  crmCalls: () => number,
): Promise<RunSummary | null> {
  const { runId, dealId } = data;
  const found = await deps.runs.forDeal(runId, dealId);
  if (found?.run.status !== 'running') return null;
  const { run } = found;
  if (found.dealState !== 'queued') return finishIfSettled(deps, runId);
  // A redelivered job after a crash mid-write: its unlogged writes are settled first.
  await settleBeforeDeciding(deps, [dealId]);
  const [state, { deal, notes }, context] = await Promise.all([
    contextFor(deps, run),
    deps.dealJobCaches.prefetch.read(deps.crm, runId, dealId, () =>
      deps.runs.queuedFrom(
        runId,
        Math.max(0, (found.seq ?? 0) - PREFETCH_LOOKBACK),
        PREFETCH_BATCH + PREFETCH_LOOKBACK,
      ),
    ),
    deps.ledger.loadPageContext(OBJECT, [dealId], run.mode !== 'live'),
  ]);
  if (deal) await deps.watchOverturns?.({ runId, deals: [deal], defs: state.defs });
  const outcome: DealOutcome = deal
    ? await extractDeal(deps, state, deal, notes, context, false)
    : failedExtraction(stub(dealId), run.model, 'the deal no longer exists in the CRM');
  // Asked after the model call, right before the writes: a pause (or this process lacking
  // LIVE_WRITES=1) closes the run's write gates for the next write; nothing opens them.
  const live = await stillLive(
    deps.ledger,
    run.mode === 'live' &&
      resolveWriteGates({ applyRequested: true, liveWritesEnv: deps.liveWrites, paused: false })
        .open,
  );
  if (run.mode === 'live' && !live) await deps.runs.markPausedDuring(runId);
  await settle(deps, runId, live, outcome, crmCalls);
  return finishIfSettled(deps, runId);
}

/** A deal job that failed for good: the deal is settled as `failed`, logged, and counted. */
export async function failDealJob(
  deps: QueuedRunDeps,
  data: JobData<'deals'>,
  reason: string,
): Promise<RunSummary | null> {
  const found = await deps.runs.forDeal(data.runId, data.dealId);
  if (found?.run.status !== 'running') return null;
  if (found.dealState === 'queued') {
    await settle(
      deps,
      data.runId,
      false,
      failedExtraction(
        stub(data.dealId),
        found.run.model,
        `the deal job failed for good: ${reason}`,
      ),
      // The failed attempts' requests are not known here.
      () => 0,
    );
  }
  return finishIfSettled(deps, data.runId);
}

async function settle(
  deps: QueuedRunDeps,
  runId: string,
  live: boolean,
  outcome: DealOutcome,
  crmCalls: () => number,
) {
  const usage = emptyUsage();
  const state = (d: DealCounts) =>
    d.failed > 0 ? 'failed' : d.extracted > 0 ? 'extracted' : 'no_new_notes';
  const deals = { extracted: 0, no_new_notes: 0, failed: 0 };
  try {
    await settlePage({
      deps,
      runId,
      live,
      perDeal: [outcome],
      usage,
      deals,
      // Counted when the commit is built: after the deal's CRM writes, right before the
      // commit that records them.
      extra: () => ({
        settle: {
          runId,
          dealId: outcome.deal.id,
          state: state(deals),
          usage,
          crmCalls: crmCalls(),
        },
      }),
    });
  } catch (error) {
    // Another delivery settled the deal, or the run ended meanwhile: this one changes nothing.
    if (!(error instanceof AlreadySettled || error instanceof RunEnded)) throw error;
  }
}

/** Completes the run if nothing is left queued; exactly one caller gets the summary back. */
export function finishIfSettled(deps: QueuedRunDeps, runId: string): Promise<RunSummary | null> {
  return deps.runs.completeIfSettled(runId, (run, totals) => {
    deps.dealJobCaches.contexts.delete(runId);
    return summarize({
      runId,
      open: run.mode === 'live',
      locks: run.locks as WriteGateState,
      pausedDuring: run.pausedDuring,
      scanned: totals.scanned,
      total: run.total,
      cap: run.cap,
      counts: totals.counts,
      deals: totals.deals,
      warnings: [...run.warnings, ...(run.pausedDuring ? [pausedMidRun('run', null)] : [])],
      usage: totals.usage,
      model: run.model,
      batch: false,
      startedAt: run.startedAt,
      finishedAt: deps.clock(),
      chainHead: totals.chainHead,
      ...(deps.crm.kind === 'hubspot' ? { hubspotApiCalls: totals.crmCalls } : {}),
      policy: { path: run.policyPath, sha256: run.policySha256 },
    });
  });
}

function stub(id: string): CrmDeal {
  return { id, name: id, ownerId: null, properties: {} };
}
