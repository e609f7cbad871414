import type { Logger } from 'pino';
import { type Action, emptyCounts } from '../domain/actions.js';
import type { FieldPolicy, Policy } from '../domain/policy.js';
import { emptyUsage, type ModelUsage, type RunSummary } from '../domain/run-summary.js';
import { type PropertyDef, suggestionProperty } from '../domain/values.js';
import type { WriteGates } from '../domain/write-gates.js';
import { ScoutError } from '../errors.js';
import type { DealOutcome } from './deal-outcome.js';
import type { CrmPort } from './ports/crm.js';
import type { DealLocks } from './ports/deal-lock.js';
import type { ExtractionRequest } from './ports/extractor.js';
import type { RunLeaseSpec, RunLedger } from './ports/run-ledger.js';
import { settleBeforeDeciding } from './recover-writes.js';
import {
  closeRun,
  failRun,
  type HeldLease,
  interruptLapsedRuns,
  openRun,
  pausedMidRun,
  reopenRun,
  stillLive,
  summarize,
} from './run-lifecycle.js';
import { type DealCounts, OBJECT, settlePage } from './settle-page.js';

/** What every kind of extraction pass needs, whoever calls the model and however. */
export interface RunDeps {
  readonly crm: CrmPort;
  readonly ledger: RunLedger;
  readonly policy: Policy;
  /** The raw `LIVE_WRITES` setting; only the exact string `1` opens that gate. */
  readonly liveWrites: string | undefined;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly logger: Logger;
  /**
   * The per-deal locks approved applies and undos take: a live write holds its deals'
   * locks around the CRM's compare-then-write (HubSpot only; see settle-page).
   */
  readonly withDealLocks: DealLocks;
  readonly pageSize?: number;
  /** docs/guarantees.md#g20: who holds the run's lease, and for how long (default: this process, 30 s). */
  readonly lease?: RunLeaseSpec;
  /** Told after each page (a batch run: each chunk of results) how far the run has got (a terminal's progress bar). */
  readonly onProgress?: (p: RunProgress) => void;
}

/**
 * Where a run stands: deals scanned of total, or for a Message Batch being collected,
 * results settled of requests sent.
 */
export interface RunProgress {
  readonly scanned: number;
  readonly total: number;
  readonly counts: Readonly<Record<Action, number>>;
  readonly usage: ModelUsage;
  readonly model: string;
}

export interface RunOptions {
  /** The per-run intent: `--apply`, or `apply: true` on a schedule. */
  readonly apply: boolean;
  readonly dealIds?: readonly string[];
  /** Explicit cap on deals scanned; null or undefined means every deal. */
  readonly limit?: number | null;
  /** Re-read every note, ignoring watermarks (after a policy change, say). Idempotency still holds. */
  readonly rescan?: boolean;
}

/** A pass in progress: its identity, its write gates and everything it has counted so far. */
export interface RunState {
  readonly runId: string;
  readonly log: Logger;
  readonly resolved: WriteGates;
  /** Starts as the write gates say; a pause during the run turns it off for the rest. */
  live: boolean;
  readonly warnings: string[];
  readonly defs: ReadonlyMap<string, PropertyDef>;
  readonly fields: readonly FieldPolicy[];
  readonly userIds: ReadonlySet<string>;
  readonly users: ExtractionRequest['users'];
  readonly dealIds: readonly string[] | undefined;
  readonly total: number;
  readonly cap: number | null;
  readonly counts: Record<Action, number>;
  readonly deals: DealCounts;
  readonly usage: ModelUsage;
  readonly model: string;
  readonly startedAt: Date;
  /** The CRM client's API call count when the run began (remote CRMs only). */
  readonly crmCallsAtStart: number | null;
  scanned: number;
  /** Renews the run's lease while this process works on it; stopped when it ends. */
  readonly lease: HeldLease | null;
}

/** Checks the request, resolves the write gates, reads the CRM's schema and records the run as started. */
export async function beginRun(
  deps: RunDeps,
  options: RunOptions,
  run: { kind: string; model: string },
): Promise<RunState> {
  const { crm, ledger, clock } = deps;
  // Whatever an earlier process left behind is settled before this run decides anything:
  // runs whose lease lapsed end as interrupted, and remote writes it never logged are logged.
  await interruptLapsedRuns({ ledger, logger: deps.logger });
  await settleBeforeDeciding(deps, undefined);
  const startedAt = clock();
  const crmCallsAtStart = crm.apiCalls?.() ?? null;
  const dealIds =
    options.dealIds && options.dealIds.length > 0 ? [...new Set(options.dealIds)] : undefined;
  const cap = options.limit ?? null;
  if (cap !== null && (!Number.isInteger(cap) || cap < 1))
    throw new ScoutError('usage', `--limit must be a whole number of at least 1, got ${cap}`);
  const total = await crm.countDeals(dealIds);
  if (dealIds && total < dealIds.length) {
    const found = new Set(
      (await crm.pageDeals({ cursor: null, limit: dealIds.length, ids: dealIds })).deals.map(
        (d) => d.id,
      ),
    );
    throw new ScoutError(
      'unknown_deal',
      `No such deal in the ${crm.kind} CRM: ${dealIds.filter((id) => !found.has(id)).join(', ')}`,
    );
  }
  const opened = await openRun(deps, {
    kind: run.kind,
    apply: options.apply,
    total,
    cap,
    model: run.model,
    dealFilter: dealIds ?? null,
    startedAt,
    policy: deps.policy.source ?? null,
  });
  let state: RunState;
  try {
    state = await runState(deps, {
      ...opened,
      dealIds,
      total,
      cap,
      model: run.model,
      crmCallsAtStart,
    });
  } catch (error) {
    return failRun(deps, opened, error);
  }
  state.log.info(
    { mode: opened.resolved.open ? 'live' : 'dry_run', total, cap, kind: run.kind },
    'run started',
  );
  return state;
}

/**
 * Picks up a run recorded earlier (a batch run whose process stopped): same run id and
 * intent, write gates resolved now, counts continued from what it already logged.
 */
export async function resumeRun(
  deps: RunDeps,
  run: {
    id: string;
    requestedApply: boolean;
    total: number;
    cap: number | null;
    model: string;
    startedAt: Date;
    dealFilter: string[] | null;
  },
  progress: { scanned: number; counts: Record<string, number> },
): Promise<RunState> {
  const opened = await reopenRun(deps, run);
  let state: RunState;
  try {
    state = await runState(deps, {
      ...opened,
      dealIds: run.dealFilter ?? undefined,
      total: run.total,
      cap: run.cap,
      model: run.model,
    });
  } catch (error) {
    // Left running: its lease lapses, it ends interrupted, and a later resume reclaims it.
    opened.lease?.stop();
    throw error;
  }
  state.scanned = progress.scanned;
  for (const [action, n] of Object.entries(progress.counts))
    if (action in state.counts) state.counts[action as Action] = n;
  return state;
}

/** The per-run context (schema, users, fields) for a run recorded earlier, with its write gates as recorded. */
export async function runState(
  deps: RunDeps,
  r: {
    runId: string;
    resolved: WriteGates;
    dealIds: readonly string[] | undefined;
    total: number;
    cap: number | null;
    model: string;
    startedAt: Date;
    crmCallsAtStart?: number | null;
    lease?: HeldLease | null;
  },
): Promise<RunState> {
  const crmCallsAtStart =
    r.crmCallsAtStart !== undefined ? r.crmCallsAtStart : (deps.crm.apiCalls?.() ?? null);
  const warnings = [...r.resolved.warnings];
  const [defList, users] = await Promise.all([deps.crm.listPropertyDefs(), deps.crm.listUsers()]);
  const defs = new Map(defList.map((d) => [d.name, d]));
  return {
    ...r,
    log: deps.logger.child({ run_id: r.runId }),
    live: r.resolved.open,
    warnings,
    defs,
    fields: extractableFields(deps.policy, defs, warnings),
    userIds: new Set(users.map((u) => u.id)),
    users: users.map((u) => ({ id: u.id, name: u.name })), // the prompt lists only each deal's candidates
    counts: emptyCounts(),
    deals: { extracted: 0, no_new_notes: 0, failed: 0 },
    usage: emptyUsage(),
    crmCallsAtStart,
    scanned: 0,
    lease: r.lease ?? null,
  };
}

/** Settles one page of outcomes (writes only while live and not paused) and commits it atomically. */
export async function commitOutcomes(
  deps: RunDeps,
  state: RunState,
  outcomes: readonly DealOutcome[],
  extra: { batchId?: string } = {},
): Promise<void> {
  const live = await stillLive(deps.ledger, state.live);
  if (state.live && !live) {
    state.live = false;
    state.warnings.push(pausedMidRun('run', outcomes[0]?.deal.id ?? null));
  }
  const logged = await settlePage({
    deps,
    runId: state.runId,
    live: state.live,
    perDeal: outcomes,
    usage: state.usage,
    deals: state.deals,
    // Coverage so far commits with the page: an interrupted run's summary says what it scanned.
    extra: () => ({
      progress: { runId: state.runId, scanned: state.scanned + outcomes.length },
      ...(extra.batchId
        ? { collected: { batchId: extra.batchId, dealIds: outcomes.map((o) => o.deal.id) } }
        : {}),
    }),
  });
  for (const e of logged) state.counts[e.action] += 1;
}

export async function finishRun(
  deps: RunDeps,
  state: RunState,
  extra: { batch?: boolean; batchId?: string; extraction?: RunSummary['extraction'] } = {},
): Promise<RunSummary> {
  // A CRM that ended the run early (Salesforce's API reserve) says why, in the summary.
  state.warnings.push(...(deps.crm.takeWarnings?.() ?? []));
  const summary = summarize({
    chainHead: await deps.ledger.chainHead(),
    runId: state.runId,
    open: state.resolved.open,
    locks: state.resolved.locks,
    // `live` only ever drops mid-run when a pause arrives.
    pausedDuring: state.resolved.open && !state.live,
    scanned: state.scanned,
    total: state.total,
    cap: state.cap,
    counts: state.counts,
    deals: state.deals,
    warnings: state.warnings,
    usage: state.usage,
    model: state.model,
    batch: extra.batch === true,
    ...(extra.batchId ? { batchId: extra.batchId } : {}),
    startedAt: state.startedAt,
    finishedAt: deps.clock(),
    ...(deps.crm.kind === 'hubspot' && state.crmCallsAtStart !== null
      ? { hubspotApiCalls: (deps.crm.apiCalls?.() ?? 0) - state.crmCallsAtStart }
      : {}),
    policy: deps.policy.source ?? null,
  });
  if (extra.extraction) summary.extraction = extra.extraction;
  await closeRun(deps.ledger, state, summary);
  state.log.info(
    {
      counts: Object.fromEntries(Object.entries(state.counts).filter(([, n]) => n > 0)),
      scanned: state.scanned,
    },
    'run finished',
  );
  return summary;
}

/** Policy fields the agent may act on and the CRM defines; the rest are reported once, not per deal. */
function extractableFields(
  policy: Policy,
  defs: ReadonlyMap<string, PropertyDef>,
  warnings: string[],
): FieldPolicy[] {
  const out: FieldPolicy[] = [];
  for (const f of policy.dealFields.values()) {
    if (f.write === 'never') continue;
    if (!defs.has(f.name)) {
      warnings.push(
        `policy field ${f.name} is not defined in the CRM; findings for it are dropped`,
      );
      continue;
    }
    if (f.write === 'suggest' && !defs.has(suggestionProperty(f.name))) {
      warnings.push(
        `${suggestionProperty(f.name)} does not exist in the CRM; run \`scout setup-fields --apply\` or suggestions for ${f.name} fail`,
      );
    }
    out.push(f);
  }
  return out;
}

export { OBJECT };
