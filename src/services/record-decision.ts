import { awaitsApply, type ProposalRow } from '../domain/proposal.js';
import type { ProvenanceEntry } from '../domain/provenance.js';
import { applyJobId } from './job-ids.js';
import type { Outbox } from './ports/outbox.js';
import type { ProposalStore } from './ports/proposal-store.js';
import type { Tx } from './ports/transaction.js';

/**
 * Records a person's decision on a pending proposal. An approval (or an edit) promises its
 * apply in the same commit: Redis may be down when the click arrives, and the outbox relay
 * enqueues the apply once it is back. Null when someone else decided first, or it expired.
 */
export function recordDecision(
  proposals: Pick<ProposalStore, 'decide' | 'outbox'>,
  input: Parameters<ProposalStore['decide']>[0],
  log: ProvenanceEntry,
) {
  return proposals.decide(input, log, (decided, tx) => promiseApply(proposals.outbox, decided, tx));
}

/** An approved (or edited) proposal's apply, promised in the transaction that decided it. */
export async function promiseApply(outbox: Outbox, decided: ProposalRow, tx: Tx): Promise<void> {
  if (!awaitsApply(decided)) return;
  await outbox.promiseApply(tx, {
    jobId: applyJobId(decided.id, decided.version),
    payload: { proposalId: decided.id, version: decided.version },
  });
}
