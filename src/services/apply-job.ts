import { awaitsApply, type ProposalRow } from '../domain/proposal.js';
import { type ApplyDeps, applyProposal } from './apply-proposal.js';
import { entry } from './decide-proposal.js';
import type { DealLock } from './ports/deal-lock.js';
import type { Notifier } from './ports/notifier.js';
import { type ProposalView, viewProposal } from './proposal-view.js';

export interface ApplyJobDeps extends ApplyDeps {
  readonly withDealLock: DealLock;
  readonly notifier: Notifier | null;
  /**
   * Queues the card's redraw (a `cards` job) instead of drawing it here: an apply then
   * never waits on Slack's `chat.update` budget, which would hold CRM writes to its pace.
   */
  readonly redrawCard?: (proposalId: string, version: number) => Promise<void>;
}

/** The card shows the proposal as it now is: queued for drawing, or drawn here (from `view` if read). */
async function showCard(deps: ApplyJobDeps, row: ProposalRow, view?: ProposalView): Promise<void> {
  if (!deps.notifier) return;
  if (deps.redrawCard) await deps.redrawCard(row.id, row.version);
  else await deps.notifier.refreshCard(view ?? (await viewProposal(deps.crm, deps.policy, row)));
}

/**
 * An apply job: the database is checked before anything is written (a removed job no
 * longer counts as a duplicate), applies to one deal never overlap, and the card
 * shows the result.
 */
export async function runApplyJob(deps: ApplyJobDeps, proposalId: string): Promise<void> {
  const row = await deps.proposals.get(proposalId);
  if (!row || !awaitsApply(row)) return;
  const view = await deps.withDealLock(row.recordId, () => applyProposal(deps, proposalId));
  if (view) await showCard(deps, view.row, view);
}

/**
 * An apply job that failed for good: the proposal becomes `failed`, logged, and the card
 * says so. The id comes from the job's data as stored, which may be what failed its schema.
 */
export async function failApplyJob(
  deps: ApplyJobDeps,
  proposalId: unknown,
  reason: string,
): Promise<void> {
  if (typeof proposalId !== 'string') return;
  const found = await deps.proposals.get(proposalId);
  if (!found || !awaitsApply(found)) return;
  const why = `the apply failed for good: ${reason}`;
  // Under the deal's lock: an attempt of the same proposal still running (a stalled one, or
  // one the reconciler requeued) may be writing it, and then it is applied, not failed.
  const done = await deps.withDealLock(found.recordId, async () => {
    const row = await deps.proposals.get(proposalId);
    if (!row || !awaitsApply(row)) return null;
    return deps.proposals.finish(row.id, 'failed', why, {
      ...entry(row, 'failed', 'agent', why),
      newValue: row.editedValue ?? row.newValue,
    });
  });
  if (done && deps.notifier) {
    await showCard(deps, done);
    await deps.notifier.postOpsAlert(
      `An approved change could not be applied: deal ${done.recordId}, field ${done.field}. ${why}`,
    );
  }
}
