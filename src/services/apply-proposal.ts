import type { Policy } from '../domain/policy.js';
import type { ProposalRow } from '../domain/proposal.js';
import { type ApplyOutcome, awaitsApply } from '../domain/proposal.js';
import { AGENT_PREFIX, valuesEqual } from '../domain/values.js';
import { resolveWriteGates } from '../domain/write-gates.js';
import { entry } from './decide-proposal.js';
import type { CrmPort, WriteResult } from './ports/crm.js';
import type { ProposalStore } from './ports/proposal-store.js';
import { type ProposalView, type UndoWindow, viewProposal } from './proposal-view.js';
import { writeRecorded } from './recorded-write.js';
import { recoverInterruptedWrites } from './recover-writes.js';

export interface ApplyDeps {
  readonly crm: CrmPort;
  readonly proposals: ProposalStore;
  readonly policy: Policy;
  readonly liveWrites: string | undefined;
  readonly isPaused: () => Promise<boolean>;
  /** The Undo window now (SCOUT_UNDO_WINDOW_HOURS): a change applied after it closed gets no button. */
  readonly undoWindow?: () => UndoWindow;
}

/**
 * Writes an approved proposal (the Approve button is the promotion, docs/guarantees.md#g2): re-read
 * the CRM, write only if the field still holds the value the card showed (else
 * `stale`), and only through the write gates (else `would_apply`). The
 * proposal's own run decides the intent: a dry-run card never writes. Called under the
 * deal's lock (runApplyJob), the lock under which an undo of the proposal's run expires
 * it: so a proposal whose run was undone is no longer approved here and nothing is written.
 */
export async function applyProposal(
  deps: ApplyDeps,
  proposalId: string,
): Promise<ProposalView | null> {
  // Under the deal's lock: an earlier attempt's write that died before its record is
  // settled first, from the CRM's state, so this attempt sees it logged.
  if (!deps.crm.atomic) {
    const found = await deps.proposals.get(proposalId);
    if (found)
      await recoverInterruptedWrites(
        { crm: deps.crm, journal: deps.proposals.journal },
        { dealIds: [found.recordId] },
      );
  }
  const row = await deps.proposals.get(proposalId);
  if (!row || !awaitsApply(row)) return null;
  const view = await viewProposal(deps.crm, deps.policy, row);
  const actor = `slack:${row.decidedBy ?? 'unknown'}`;
  const value = row.editedValue ?? row.newValue;
  const logOf = (status: ApplyOutcome, reason: string) => ({
    ...entry(row, status, actor, reason),
    newValue: value,
    dryRun: status === 'would_apply' || (status !== 'applied' && row.dryRun),
  });
  const viewOf = (done: ProposalRow | null) =>
    done ? viewProposal(deps.crm, deps.policy, done, deps.undoWindow?.()) : null;
  const finish = async (status: ApplyOutcome, outcome: string | null, reason: string) =>
    viewOf(await deps.proposals.finish(row.id, status, outcome, logOf(status, reason)));
  if (!mayApply(deps.policy, row.field)) {
    const why = `the field policy no longer lets Scout change ${row.field}`;
    return finish('failed', why, `not written: ${why}`);
  }
  if (!view.deal)
    return finish(
      'failed',
      'the deal no longer exists in the CRM',
      'the deal no longer exists in the CRM',
    );

  const type = view.def?.type ?? 'text';
  const current = view.deal.properties[row.field] ?? null;
  const gates = resolveWriteGates({
    applyRequested: !row.dryRun,
    liveWritesEnv: deps.liveWrites,
    paused: await deps.isPaused(),
  });
  // An earlier attempt wrote and then died before recording it (FAILURE-MODES 21):
  // record the write it made instead of writing again or calling it stale.
  if (
    gates.open &&
    !valuesEqual(type, current, row.oldValue ?? null) &&
    valuesEqual(type, current, value)
  ) {
    return finish(
      'applied',
      null,
      `recovered: the CRM already holds the approved value (an earlier attempt wrote it before it could log it); not written again. Approved by ${row.decidedBy}`,
    );
  }
  if (!valuesEqual(type, current, row.oldValue ?? null)) {
    const why = `it is now ${JSON.stringify(current)}, not ${JSON.stringify(row.oldValue ?? null)}`;
    return finish('stale', why, `stale: the CRM value changed since the proposal; ${why}`);
  }
  if (!gates.open) {
    const why = row.dryRun
      ? 'the proposal came from a dry run'
      : gates.warnings.join('; ') || 'a lock is closed';
    return finish('would_apply', why, `would apply ${JSON.stringify(value)}: ${why}`);
  }
  const write = {
    dealId: row.recordId,
    property: row.field,
    value: value as Exclude<typeof value, null>,
    expected: current,
  };
  const applied = `written after approval by ${row.decidedBy}`;
  const intent = {
    mode: 'write' as const,
    recordId: row.recordId,
    property: row.field,
    expected: current,
    value,
    entry: logOf('applied', applied),
    proposalId: row.id,
  };
  const done = await writeRecorded(
    { crm: deps.crm, journal: deps.proposals.journal },
    async (send) => {
      const [result] = await send('write', [write], [intent]);
      const [status, outcome, reason] = applyOutcome(result, applied);
      return (tx) => deps.proposals.finish(row.id, status, outcome, logOf(status, reason), tx);
    },
  );
  return viewOf(done);
}

/** What the CRM's answer to an approved write means: the proposal's end, its outcome and log reason. */
function applyOutcome(
  result: WriteResult | undefined,
  applied: string,
): [ApplyOutcome, string | null, string] {
  if (result?.status === 'written') return ['applied', null, applied];
  if (result?.status === 'conflict') {
    const why = `it changed to ${JSON.stringify(result.current)} while applying`;
    return ['stale', why, `stale: ${why}`];
  }
  const why = result?.status === 'failed' ? result.reason : 'the CRM gave no result';
  return ['failed', why, `write failed: ${why}`];
}

/**
 * Whether the policy still lets an approval change `field`. A scout_* proposal is a
 * suggestion the injection screen held back for a person: its rep field must still be
 * in the suggest lane.
 */
function mayApply(policy: Policy, field: string): boolean {
  if (field.startsWith(AGENT_PREFIX))
    return policy.dealFields.get(field.slice(AGENT_PREFIX.length))?.write === 'suggest';
  const allowed = policy.dealFields.get(field);
  return allowed !== undefined && allowed.write !== 'never';
}
