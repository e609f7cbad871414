import type { Policy } from '../domain/policy.js';
import type { CrmReader } from './ports/crm.js';
import type { Notifier } from './ports/notifier.js';
import type { ProposalStore } from './ports/proposal-store.js';
import { type UndoWindow, viewProposal } from './proposal-view.js';

export interface RedrawDeps {
  readonly proposals: Pick<ProposalStore, 'get' | 'claimCardDraw'>;
  readonly crm: CrmReader;
  readonly policy: Policy;
  readonly notifier: Pick<Notifier, 'refreshCard'>;
  readonly undoWindow?: () => UndoWindow;
}

/**
 * Redraws a proposal's card as it is now, if it was last drawn at an older version. The
 * draw is claimed first, so of the clicks, retries and processes asking at once only one
 * draws each version (issue 19). A draw that fails after Slack's own retries stays
 * claimed: the card is redrawn at the proposal's next version (its apply, an undo).
 */
export async function redrawCard(deps: RedrawDeps, proposalId: string): Promise<void> {
  const row = await deps.proposals.get(proposalId);
  if (!row || !(await deps.proposals.claimCardDraw(row.id, row.version))) return;
  await deps.notifier.refreshCard(
    await viewProposal(deps.crm, deps.policy, row, deps.undoWindow?.()),
  );
}
