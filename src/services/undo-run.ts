import { emptyCounts } from '../domain/actions.js';
import type { ProposalRow } from '../domain/proposal.js';
import type { ProvenanceEntry, ProvenanceRow } from '../domain/provenance.js';
import { emptyUsage, type RunSummary } from '../domain/run-summary.js';
import {
  restoredReason,
  type UndoChange,
  type UndoOutcome,
  undoDeal,
} from '../domain/undo-plan.js';
import { describeTarget, type UndoInfo } from '../domain/undo-summary.js';
import type { FieldType } from '../domain/values.js';
import { ScoutError } from '../errors.js';
import type { Logger } from '../logger.js';
import { entry } from './decide-proposal.js';
import type { CrmPort } from './ports/crm.js';
import type { DealLock } from './ports/deal-lock.js';
import type { RunLeaseSpec, RunLedger } from './ports/run-ledger.js';
import type { UndoStore } from './ports/undo-store.js';
import { writeRecorded } from './recorded-write.js';
import { settleBeforeDeciding } from './recover-writes.js';
import {
  closeRun,
  failRun,
  interruptLapsedRuns,
  type OpenedRun,
  openRun,
  pausedMidRun,
  stillLive,
  summarize,
} from './run-lifecycle.js';

export interface UndoDeps {
  readonly crm: CrmPort;
  readonly ledger: RunLedger;
  readonly store: UndoStore;
  /** The raw `LIVE_WRITES` setting; only the exact string `1` opens the standing lock. */
  readonly liveWrites: string | undefined;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly logger: Logger;
  /** One deal's undo never overlaps a deal job, an apply or another undo of that deal. */
  readonly withDealLock: DealLock;
  /** docs/guarantees.md#g20: the undo run's lease (default: this process, 30 s). */
  readonly lease?: RunLeaseSpec;
  /** Told after each deal how far the undo has got (a terminal's progress bar). */
  readonly onProgress?: (p: UndoProgress) => void;
}

/** Where an undo stands: changes settled (reverted, kept for a conflict, or failed) of those to undo. */
export interface UndoProgress {
  readonly done: number;
  readonly total: number;
  readonly counts: Readonly<Record<UndoOutcome['action'], number>>;
}

export interface UndoRequest {
  readonly target: UndoInfo['target'];
  /** The per-run intent (`--apply`, or the Undo button on a live card). */
  readonly apply: boolean;
  /** Who asked: `cli`, or `slack:<user id>`. */
  readonly actor: string;
}

export type UndoSummary = RunSummary & { undo: UndoInfo };

/** The undo run's summary, the proposals it expired (for their cards) and the undo rows it logged. */
export interface UndoResult {
  readonly summary: UndoSummary;
  readonly expired: ProposalRow[];
  readonly logged: readonly ProvenanceEntry[];
}

/** The recorded model of an undo run: it calls none. */
export const UNDO_MODEL = '(none)';

/**
 * Reverts a whole run or one change from the recorded previous values (docs/guarantees.md#g15), as a
 * run of its own: through the write gates (dry by default), restoring only
 * fields that still hold what Scout wrote, newest change first, each deal under its
 * lock and logged in one transaction. Changes an earlier live undo reverted are left
 * as they are, so undoing twice equals undoing once. A live undo of a run first expires
 * the run's proposals that could still write (pending, or approved and not yet
 * applied); they are returned for their cards.
 */
export async function undoChanges(deps: UndoDeps, request: UndoRequest): Promise<UndoResult> {
  // A run whose process died is interrupted once its lease lapsed: then it can be undone.
  await interruptLapsedRuns({ ledger: deps.ledger, logger: deps.logger });
  const startedAt = deps.clock();
  const target = await resolveTarget(deps.store, request.target);
  const opened = await openRun(deps, {
    kind: 'undo',
    apply: request.apply,
    total: new Set(target.changes.map((c) => c.recordId)).size,
    cap: null,
    model: UNDO_MODEL,
    dealFilter: null,
    startedAt,
  });
  try {
    return await undoRun(deps, request, { ...opened, target });
  } catch (error) {
    return failRun(deps, opened, error);
  }
}

/** What an undo of a run would revert, read without opening a run: for a confirmation step. */
export interface RunUndoPreview {
  /** The run's live changes no earlier undo reverted, in log order. */
  readonly changes: ProvenanceRow[];
  readonly alreadyUndone: number;
  /** The run's proposals that could still write; a live undo expires them. */
  readonly openProposals: number;
  /** Why there is nothing to undo, when there is nothing. */
  readonly nothing: string | null;
}

/** The preview of `undoChanges` for a run; an unknown or running run is an input error, as there. */
export async function previewRunUndo(store: UndoStore, runId: string): Promise<RunUndoPreview> {
  const target = await resolveTarget(store, { run_id: runId });
  const already = await store.undone(target.changes.map((c) => c.id));
  const open = target.dryRunTarget ? [] : await store.openProposals(runId);
  const changes = target.changes.filter((c) => !already.has(c.id));
  const nothing =
    target.nothing ??
    (changes.length === 0 && open.length === 0
      ? `every change of run ${runId} was already undone: nothing to do`
      : null);
  return { changes, alreadyUndone: already.size, openProposals: open.length, nothing };
}

interface Target {
  readonly changes: ProvenanceRow[];
  readonly nothing: string | null;
  readonly dryRunTarget: boolean;
}

async function undoRun(
  deps: UndoDeps,
  request: UndoRequest,
  ctx: OpenedRun & { target: Target },
): Promise<UndoResult> {
  const { runId, target, resolved } = ctx;
  const log = deps.logger.child({ run_id: runId, undo: describeTarget(request.target) });
  const warnings = [...resolved.warnings];
  const undoneRun = 'run_id' in request.target ? request.target.run_id : null;
  // Dry proposals never write, so a dry run's cards are not the undo's to expire.
  const stopped =
    undoneRun === null || target.dryRunTarget
      ? NOTHING_STOPPED
      : await stopProposals(deps, {
          undoneRun,
          undoRunId: runId,
          actor: request.actor,
          live: resolved.open,
        });
  warnings.push(...stopped.warnings);
  // Read again once nothing of the run can write any more: an apply that finished while
  // its proposal was being stopped is one of the run's changes now, and is undone too.
  const changes =
    undoneRun !== null && resolved.open ? await deps.store.changesOfRun(undoneRun) : target.changes;
  const already = await deps.store.undone(changes.map((c) => c.id));
  const todo = changes.filter((c) => !already.has(c.id));
  const byDeal = new Map<string, ProvenanceRow[]>();
  for (const c of todo) byDeal.set(c.recordId, [...(byDeal.get(c.recordId) ?? []), c]);
  const counts = emptyCounts();
  const logged: ProvenanceEntry[] = [];
  let live = resolved.open;
  let scanned = 0;
  let done = 0;
  const types = new Map((await deps.crm.listPropertyDefs()).map((d) => [d.name, d.type]));
  for (const [dealId, dealChanges] of byDeal) {
    // A pause closes the write gates from the next deal on; nothing reopens them.
    if (live && !(await stillLive(deps.ledger, live))) {
      live = false;
      warnings.push(pausedMidRun('undo', dealId));
    }
    const rows = await deps.withDealLock(dealId, () =>
      undoOneDeal(deps, {
        runId,
        dealId,
        changes: dealChanges,
        live,
        types,
        actor: request.actor,
      }),
    );
    for (const r of rows) counts[r.action] += 1;
    logged.push(...rows);
    scanned += 1;
    done += dealChanges.length;
    deps.onProgress?.({
      done,
      total: todo.length,
      counts: {
        undone: counts.undone,
        would_undo: counts.would_undo,
        conflict: counts.conflict,
        failed: counts.failed,
      },
    });
  }
  if (already.size > 0 && todo.length === 0)
    warnings.push(
      `every change of ${describeTarget(request.target)} was already undone: nothing to do`,
    );
  const summary: UndoSummary = {
    ...summarize({
      runId,
      open: resolved.open,
      locks: resolved.locks,
      pausedDuring: resolved.open && !live,
      scanned,
      total: byDeal.size,
      cap: null,
      counts,
      deals: { extracted: 0, no_new_notes: 0, failed: 0 },
      warnings,
      usage: emptyUsage(),
      model: UNDO_MODEL,
      batch: false,
      startedAt: ctx.startedAt,
      finishedAt: deps.clock(),
      chainHead: await deps.ledger.chainHead(),
    }),
    undo: {
      target: request.target,
      changes: changes.length,
      already_undone: already.size,
      expired_proposals: stopped.pending,
      unapplied_approvals: stopped.approvals,
      nothing_to_undo: target.nothing,
    },
  };
  await closeRun(deps.ledger, ctx, summary);
  log.info({ counts: summary.counts, mode: summary.mode }, 'undo finished');
  return { summary, expired: stopped.rows, logged };
}

/** The changes to revert, or why there are none; an unknown or unfit target is an input error. */
async function resolveTarget(store: UndoStore, target: UndoInfo['target']): Promise<Target> {
  if ('change_id' in target) {
    const row = await store.change(target.change_id);
    if (!row)
      throw new ScoutError('undo_invalid', `No change #${target.change_id} in the provenance log`);
    if (
      row.dryRun ||
      row.action === 'would_write' ||
      row.action === 'would_apply' ||
      row.action === 'would_promote'
    )
      return {
        changes: [],
        nothing: `change #${row.id} was a dry run (${row.action}): it wrote nothing to the CRM`,
        dryRunTarget: true,
      };
    if (row.action !== 'written' && row.action !== 'applied' && row.action !== 'promoted')
      throw new ScoutError(
        'undo_invalid',
        `Row #${row.id} is a ${row.action} row; only written, applied or promoted changes can be undone`,
      );
    return { changes: [row], nothing: null, dryRunTarget: false };
  }
  const run = await store.run(target.run_id);
  if (!run) throw new ScoutError('undo_invalid', `No run ${target.run_id}`);
  if (run.status === 'running')
    throw new ScoutError(
      'undo_invalid',
      `Run ${run.id} is still running (its process holds a live lease); undo it once it has finished, so nothing it writes later escapes the undo. A run whose process died is marked interrupted within a minute, and can be undone then`,
    );
  const changes = await store.changesOfRun(run.id);
  const dryRunTarget = run.mode === 'dry_run';
  if (changes.length > 0) return { changes, nothing: null, dryRunTarget };
  if (run.kind === 'undo')
    return {
      changes,
      nothing: `run ${run.id} is itself an undo: it made no change to revert`,
      dryRunTarget,
    };
  if (dryRunTarget)
    return {
      changes,
      nothing: `run ${run.id} was a dry run: it wrote nothing to the CRM`,
      dryRunTarget,
    };
  return {
    changes,
    nothing: `run ${run.id} made no live change (no written or applied row)`,
    dryRunTarget,
  };
}

async function undoOneDeal(
  deps: UndoDeps,
  input: {
    runId: string;
    dealId: string;
    changes: ProvenanceRow[];
    live: boolean;
    types: ReadonlyMap<string, FieldType>;
    actor: string;
  },
): Promise<ProvenanceEntry[]> {
  // Under the deal's lock, a remote restore that died before its record is settled first.
  await settleBeforeDeciding({ crm: deps.crm, ledger: deps.store }, [input.dealId]);
  // Asked again under the deal's lock: a concurrent undo of the same change may have won.
  const done = await deps.store.undone(input.changes.map((c) => c.id));
  const changes = input.changes.filter((c) => !done.has(c.id));
  if (changes.length === 0) return [];
  const [deal] = (await deps.crm.pageDeals({ cursor: null, limit: 1, ids: [input.dealId] })).deals;
  const byId = new Map(changes.map((c) => [c.id, c]));
  const base = (c: ProvenanceRow) => ({
    runId: input.runId,
    object: c.object,
    recordId: c.recordId,
    field: c.field,
    sourceNoteId: c.sourceNoteId,
    actor: input.actor,
    proposalId: c.proposalId,
    undoes: c.id,
  });
  if (!deal) {
    const rows = changes.map(
      (c): ProvenanceEntry => ({
        ...base(c),
        action: 'failed',
        reason: `not restored: deal ${input.dealId} no longer exists in the CRM`,
        previousValue: null,
        newValue: c.previousValue ?? null,
        dryRun: !input.live,
      }),
    );
    await deps.store.log(rows);
    return rows;
  }
  const toRow = (o: UndoOutcome): ProvenanceEntry => {
    const c = byId.get(o.change.id) as ProvenanceRow;
    return {
      ...base(c),
      action: o.action,
      reason: o.reason,
      previousValue: o.found,
      newValue: o.change.previousValue,
      dryRun: o.action === 'would_undo' || (o.action !== 'undone' && !input.live),
    };
  };
  const asChange = (c: ProvenanceRow): UndoChange => ({
    id: c.id,
    field: c.field,
    previousValue: c.previousValue ?? null,
    newValue: c.newValue ?? null,
  });
  // Each round's restores and the deal's undo rows commit together (docs/guarantees.md#g19): in one
  // transaction on the local CRM, through write-ahead intents on a remote one.
  return writeRecorded({ crm: deps.crm, journal: deps.store.journal }, async (send) => {
    const outcomes = await undoDeal({
      changes: changes.map(asChange),
      current: deal.properties,
      typeOf: (field) => input.types.get(field) ?? 'text',
      live: input.live,
      restore: (restores) =>
        send(
          'restore',
          restores.map((r) => ({
            dealId: input.dealId,
            property: r.property,
            value: r.value,
            expected: r.expected,
          })),
          restores.map((r) => ({
            mode: 'restore',
            recordId: input.dealId,
            property: r.property,
            expected: r.expected,
            value: r.value,
            entry: toRow({
              change: asChange(byId.get(r.changeId) as ProvenanceRow),
              action: 'undone',
              found: r.expected,
              reason: restoredReason(r),
            }),
          })),
        ),
    });
    const rows = outcomes.map(toRow);
    return async (tx) => {
      await deps.store.log(rows, tx);
      return rows;
    };
  });
}

/** What a run undo did about the run's proposals that could still write. */
interface Stopped {
  /** Pending proposals expired (dry: that would be). */
  readonly pending: number;
  /** Approved or edited proposals not yet applied, expired (dry: that would be). */
  readonly approvals: number;
  /** The proposals expired, for their cards. */
  readonly rows: ProposalRow[];
  /** One per approval that was (or would be) kept from writing. */
  readonly warnings: string[];
}

const NOTHING_STOPPED: Stopped = { pending: 0, approvals: 0, rows: [], warnings: [] };

const describeProposal = (p: ProposalRow) =>
  `proposal ${p.id} (deal ${p.recordId}, ${p.field}), approved by ${p.decidedBy ?? 'unknown'} but not yet written,`;

/**
 * A live undo of a run expires the run's proposals that could still write: pending ones,
 * and approved ones whose apply has not run yet (else they would write after the undo
 * and nothing would revert them). Each deal's are expired under its lock, the lock every
 * apply holds while it checks the proposal's state and writes: an apply in flight
 * finishes first (and its change is undone with the rest), and a later one finds the
 * proposal expired and writes nothing. A dry undo only counts them.
 */
async function stopProposals(
  deps: UndoDeps,
  input: { undoneRun: string; undoRunId: string; actor: string; live: boolean },
): Promise<Stopped> {
  const open = await deps.store.openProposals(input.undoneRun);
  if (!input.live) {
    const approvals = open.filter((p) => p.status !== 'pending');
    return {
      pending: open.length - approvals.length,
      approvals: approvals.length,
      rows: [],
      warnings: approvals.map(
        (p) =>
          `${describeProposal(p)} would be expired by a live undo; until then it may still be written`,
      ),
    };
  }
  const byDeal = new Map<string, ProposalRow[]>();
  for (const p of open) byDeal.set(p.recordId, [...(byDeal.get(p.recordId) ?? []), p]);
  const outcome = `not written: its run ${input.undoneRun} was undone by undo run ${input.undoRunId}`;
  const rows: ProposalRow[] = [];
  for (const [dealId, proposals] of byDeal)
    await deps.withDealLock(dealId, async () => {
      for (const p of proposals) {
        const row = await deps.store.stopProposal(p.id, outcome, (stopped) => {
          const reason =
            stopped.decidedBy === null
              ? `expired: its run ${input.undoneRun} was undone by undo run ${input.undoRunId}`
              : `expired: approved by ${stopped.decidedBy} but not yet written when its run ${input.undoneRun} was undone by undo run ${input.undoRunId}; it will not be written`;
          return {
            ...entry(stopped, 'expired', input.actor, reason),
            newValue: stopped.editedValue ?? stopped.newValue,
          };
        });
        if (row) rows.push(row);
      }
    });
  // Decided before it was stopped: the row still names its approver.
  const approvals = rows.filter((r) => r.decidedBy !== null);
  return {
    pending: rows.length - approvals.length,
    approvals: approvals.length,
    rows,
    warnings: approvals.map(
      (p) => `${describeProposal(p)} was expired: it will not be written after the undo`,
    ),
  };
}
