import type { Policy } from '../domain/policy.js';
import type { ProposalRow } from '../domain/proposal.js';
import { entry } from './decide-proposal.js';
import type { CrmReader } from './ports/crm.js';
import type { ProposalStore } from './ports/proposal-store.js';
import { type ProposalView, viewProposals } from './proposal-view.js';

/** Expires every pending proposal past its time (`expired`, not `rejected`) and returns them for their cards. */
export async function expireDueProposals(deps: {
  crm: CrmReader;
  proposals: ProposalStore;
  policy: Policy;
  clock: () => Date;
}): Promise<ProposalView[]> {
  const now = deps.clock();
  const expired: ProposalRow[] = [];
  for (const row of await deps.proposals.due(now, 500)) {
    const done = await deps.proposals.expire(
      row.id,
      now,
      entry(row, 'expired', 'agent', `expired at ${row.expiresAt.toISOString()} before a decision`),
    );
    if (done) expired.push(done);
  }
  return viewProposals(deps.crm, deps.policy, expired);
}
