import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Action } from '../domain/actions.js';
import type { ChainHead } from '../domain/hash-chain.js';
import { estimateCost } from '../domain/model-pricing.js';
import type { PolicySource } from '../domain/policy.js';
import {
  coverageWarning,
  type ModelUsage,
  policyOf,
  type RunSummary,
} from '../domain/run-summary.js';
import { resolveWriteGates, type WriteGateState, type WriteGates } from '../domain/write-gates.js';
import { ScoutError } from '../errors.js';
import { REPLAY_MODEL } from '../extraction/replay-extractor.js';
import type { Logger } from '../logger.js';
import type { RunLeaseSpec, RunLedger } from './ports/run-ledger.js';
import { storedSummary } from './publish-run.js';

/**
 * The one life of every run — a CLI or batch extraction, a worker's scheduled fan-out, an
 * undo: opened under a lease, checked for a pause before each write, closed with its
 * summary, failed on an error, or (docs/guarantees.md#g20) marked interrupted by whoever notices that
 * its lease lapsed. A run holds its lease while it works and renews it well before it
 * lapses; a run whose lease lapsed has no process left working on it, and the next run,
 * the worker or `serve` marks it `interrupted` and posts its summary with what it did so
 * far.
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
 * Renews the leases of `holder` now and every third of the lease, off the event loop's
 * critical path (the timer does not keep the process alive). Renewing at once matters to
 * a worker that starts while its predecessor's runs are still leased: it keeps them
 * before the lease lapses, and resumes their deal jobs. A failed renewal is logged and
 * retried at the next beat; two misses in a row still leave a third of the lease.
 */
export function holdLeases(deps: {
  ledger: Pick<RunLedger, 'renewLeases'>;
  lease: RunLeaseSpec;
  logger: Logger;
}): HeldLease {
  const renew = () => {
    deps.ledger.renewLeases(deps.lease).catch((error: Error) => {
      deps.logger.warn({ err: error.message }, 'renewing the run lease failed; retrying');
    });
  };
  renew();
  const beat = setInterval(renew, Math.max(50, Math.floor(deps.lease.ms / 3)));
  beat.unref();
  return { stop: () => clearInterval(beat) };
}

/** What opening, reopening and ending a run need. */
export interface LifecycleDeps {
  readonly ledger: RunLedger;
  /** The raw `LIVE_WRITES` setting; only the exact string `1` opens that gate. */
  readonly liveWrites: string | undefined;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly logger: Logger;
  /** Who holds the run's lease, and for how long (default: this process, 30 s). */
  readonly lease?: RunLeaseSpec;
}

/** A run this process has recorded as running. */
export interface OpenedRun {
  readonly runId: string;
  readonly resolved: WriteGates;
  readonly startedAt: Date;
  /** Renews the lease while this process works on it; null for worker runs (every worker renews those). */
  readonly lease: HeldLease | null;
}

/**
 * Resolves the write gates (intent, LIVE_WRITES, pause) and records the run as running under
 * its lease. Runs a dead process left behind should have been noticed first
 * (`interruptLapsedRuns`), so that this run's decisions see them ended.
 */
export async function openRun(
  deps: LifecycleDeps,
  run: {
    /** `extract`, `extract_batch` or `undo`. */
    kind: string;
    apply: boolean;
    total: number;
    cap: number | null;
    model: string;
    dealFilter: readonly string[] | null;
    startedAt: Date;
    /** The policy file it runs under, recorded with its hash and text (docs/guarantees.md#g25); none for an undo. */
    policy?: PolicySource | null;
  },
): Promise<OpenedRun> {
  const resolved = resolveWriteGates({
    applyRequested: run.apply,
    liveWritesEnv: deps.liveWrites,
    paused: await deps.ledger.isPaused(),
  });
  const runId = deps.newId();
  const lease = deps.lease ?? processLease();
  await deps.ledger.startRun(
    {
      id: runId,
      kind: run.kind,
      status: 'running',
      mode: resolved.open ? 'live' : 'dry_run',
      requestedApply: run.apply,
      locks: resolved.locks,
      total: run.total,
      cap: run.cap,
      model: run.model,
      dealFilter: run.dealFilter ? [...run.dealFilter] : null,
      startedAt: run.startedAt,
      policySha256: run.policy?.sha256 ?? null,
      policyPath: run.policy?.path ?? null,
    },
    lease,
    run.policy?.text,
  );
  return { runId, resolved, startedAt: run.startedAt, lease: renewing(deps, lease) };
}

/**
 * Picks up a run recorded earlier (a batch run whose process stopped): running again
 * under this process's lease, its write gates resolved now. Refused while another live process
 * still holds it.
 */
export async function reopenRun(
  deps: LifecycleDeps,
  run: { id: string; requestedApply: boolean; startedAt: Date },
): Promise<OpenedRun> {
  const lease = deps.lease ?? processLease();
  if (!(await deps.ledger.reclaimRun(run.id, lease)))
    throw new ScoutError(
      'run_busy',
      `Run ${run.id} is still held by another live process; it resumes the run itself`,
    );
  const resolved = resolveWriteGates({
    applyRequested: run.requestedApply,
    liveWritesEnv: deps.liveWrites,
    paused: await deps.ledger.isPaused(),
  });
  return { runId: run.id, resolved, startedAt: run.startedAt, lease: renewing(deps, lease) };
}

function renewing(deps: LifecycleDeps, lease: RunLeaseSpec): HeldLease | null {
  return lease.holder === WORKER_HOLDER
    ? null
    : holdLeases({ ledger: deps.ledger, lease, logger: deps.logger });
}

/**
 * The pause check before a run's next write: a live run stays live only while Scout is
 * not paused; once paused it stays dry to its end (nothing reopens the write gates).
 */
export async function stillLive(ledger: Pick<RunLedger, 'isPaused'>, live: boolean) {
  return live && !(await ledger.isPaused());
}

/** The one wording of a pause that arrived mid-run, for every kind of run. */
export function pausedMidRun(kind: 'run' | 'undo', firstDealNotWritten: string | null): string {
  const verb = kind === 'undo' ? 'restored' : 'written';
  const from = firstDealNotWritten === null ? 'the pause' : `deal ${firstDealNotWritten}`;
  return `Scout was paused during the ${kind}: nothing was ${verb} from ${from} on`;
}

/** Records the run's summary as its end and stops renewing its lease. */
export async function closeRun(
  ledger: Pick<RunLedger, 'finishRun'>,
  run: Pick<OpenedRun, 'lease'>,
  summary: RunSummary,
): Promise<void> {
  run.lease?.stop();
  await ledger.finishRun(summary);
}

/** Records the run as failed with the error's message, stops its lease, and rethrows. */
export async function failRun(
  deps: Pick<LifecycleDeps, 'ledger' | 'clock'>,
  run: Pick<OpenedRun, 'runId' | 'lease'>,
  error: unknown,
): Promise<never> {
  run.lease?.stop();
  await deps.ledger.failRun(
    run.runId,
    error instanceof Error ? error.message : String(error),
    deps.clock(),
  );
  throw error;
}

/** How a scheduled run that asked for LIVE but ran DRY starts its warning. */
export const SCHEDULE_INTENT = 'SCHEDULED AS LIVE';

/** The run summary (docs/guarantees.md#g14) from a run's totals: coverage shouted, cost estimated, pause shown. */
export function summarize(r: {
  runId: string;
  open: boolean;
  locks: WriteGateState;
  pausedDuring: boolean;
  scanned: number;
  total: number;
  cap: number | null;
  counts: Record<Action, number>;
  deals: RunSummary['deals'];
  warnings: readonly string[];
  usage: ModelUsage;
  model: string;
  batch: boolean;
  batchId?: string;
  startedAt: Date;
  finishedAt: Date;
  hubspotApiCalls?: number;
  /** Omitted only where no database is at hand; every finished run sets it. */
  chainHead?: ChainHead | null;
  /** The policy's file and hash; null for a policy built in code (tests). */
  policy?: { path: string | null; sha256: string | null } | null;
}): RunSummary {
  const warnings = [...r.warnings];
  const coverage = coverageWarning(r.scanned, r.total, r.cap);
  // A scheduled run's broken intent (asked LIVE, ran DRY) stays on top; coverage comes next.
  const intent = warnings.findIndex((w) => w.startsWith(SCHEDULE_INTENT));
  if (coverage) warnings.splice(intent === 0 ? 1 : 0, 0, coverage);
  return {
    run_id: r.runId,
    status: 'completed',
    mode: r.open ? 'live' : 'dry_run',
    locks: { ...r.locks, paused: r.locks.paused || r.pausedDuring },
    scanned: r.scanned,
    total: r.total,
    cap: r.cap,
    counts: r.counts,
    deals: r.deals,
    warnings,
    usage: r.usage,
    estimated_cost_usd: costOf(r.usage, r.model, r.batch),
    model: r.model,
    ...(r.batchId ? { batch_id: r.batchId } : {}),
    started_at: r.startedAt.toISOString(),
    finished_at: r.finishedAt.toISOString(),
    ...(r.hubspotApiCalls !== undefined ? { hubspot_api_calls: r.hubspotApiCalls } : {}),
    ...(r.chainHead !== undefined ? { chain_head: r.chainHead } : {}),
    ...policyOf(r.policy),
  };
}

/** Replayed answers and runs that asked no model (an undo) cost nothing. */
function costOf(usage: ModelUsage, model: string, batch: boolean): number | null {
  const tokens =
    usage.input_tokens +
    usage.output_tokens +
    usage.cache_creation_input_tokens +
    usage.cache_read_input_tokens;
  return model === REPLAY_MODEL || tokens === 0 ? 0 : estimateCost(usage, model, batch);
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
