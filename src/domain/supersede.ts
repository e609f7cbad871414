import type { DecisionStatus, ProposalRow } from './proposal.js';
import type { PropertyValue } from './values.js';

/** What the rules below read of a proposal. */
export type ProposalFacts = Pick<
  ProposalRow,
  | 'id'
  | 'object'
  | 'recordId'
  | 'field'
  | 'oldValue'
  | 'newValue'
  | 'editedValue'
  | 'status'
  | 'dryRun'
  | 'decidedBy'
  | 'decidedAt'
>;

/**
 * Whether a newer proposal replaces an older one still waiting for a decision: the same
 * field of the same record. A live proposal replaces dry and live ones; a dry-run rehearsal
 * replaces only dry ones, never a card that could write.
 */
export function supersedes(newer: ProposalFacts, older: ProposalFacts): boolean {
  return (
    newer.id !== older.id &&
    older.status === 'pending' &&
    newer.object === older.object &&
    newer.recordId === older.recordId &&
    newer.field === older.field &&
    (older.dryRun || !newer.dryRun)
  );
}

/** A person's decision on a dry-run card, carried to the live proposal for the same change. */
export interface CarriedDecision {
  readonly from: string;
  readonly status: Extract<DecisionStatus, 'approved' | 'edited'>;
  readonly by: string;
  readonly decidedAt: Date;
  readonly editedValue: PropertyValue;
}

/** Dry-run proposals a person approved or edited: what `would_apply` (or its pending apply) records. */
const DECIDED_FOR_THE_CRM = new Set(['approved', 'edited', 'would_apply']);

/**
 * The decision a live proposal inherits, so a rep who answered a dry-run card is not asked
 * again: the newest approval or edit of a dry-run card for the same record, field and value,
 * made when the field held what it holds now. A different current value is a different
 * question, asked again. Rejections need no carrying: they keep the value from being
 * proposed at all (docs/guarantees.md#g24).
 */
export function carriedDecision(
  live: ProposalFacts,
  dry: readonly ProposalFacts[],
): CarriedDecision | null {
  if (live.dryRun) return null;
  let best: CarriedDecision | null = null;
  for (const d of dry) {
    if (
      !d.dryRun ||
      !DECIDED_FOR_THE_CRM.has(d.status) ||
      d.decidedBy === null ||
      d.decidedAt === null ||
      d.object !== live.object ||
      d.recordId !== live.recordId ||
      d.field !== live.field ||
      !sameStored(d.newValue, live.newValue) ||
      !sameStored(d.oldValue, live.oldValue)
    )
      continue;
    if (best && best.decidedAt >= d.decidedAt) continue;
    const edited = d.editedValue !== null && d.editedValue !== undefined;
    best = {
      from: d.id,
      status: edited ? 'edited' : 'approved',
      by: d.decidedBy,
      decidedAt: d.decidedAt,
      editedValue: edited ? d.editedValue : null,
    };
  }
  return best;
}

/** Values as stored (jsonb, normalised by the run that judged them): equal as the database compares them. */
function sameStored(a: PropertyValue | undefined, b: PropertyValue | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
