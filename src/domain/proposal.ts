import type { PropertyValue } from './values.js';

/**
 * A proposal's life (docs/guarantees.md#g12). Each transition happens once, guarded by its status and
 * version: pending → a person's decision or expiry; approved | edited → how its apply ended.
 * The types spell the allowed moves; the proposals table stores nothing else.
 */
export type DecisionStatus = 'approved' | 'rejected' | 'edited';
export type ApplyOutcome = 'applied' | 'would_apply' | 'stale' | 'failed';
/** Replaced by a newer proposal for the same field before anyone decided (docs/guarantees.md#g12). */
export type ProposalStatus = 'pending' | DecisionStatus | 'expired' | 'superseded' | ApplyOutcome;

/** Decided for the CRM and not yet applied: what an apply job (or the reconciler) picks up. */
export const AWAITING_APPLY = ['approved', 'edited'] as const satisfies readonly DecisionStatus[];

/** Proposals that may still reach the CRM: awaiting a decision or an apply. */
export const OPEN_STATUSES = [
  'pending',
  ...AWAITING_APPLY,
] as const satisfies readonly ProposalStatus[];

export function awaitsApply(proposal: { readonly status: ProposalStatus }): boolean {
  return (AWAITING_APPLY as readonly ProposalStatus[]).includes(proposal.status);
}

/** A proposal as stored: the finding, where its card is, and how it was decided and applied. */
export interface ProposalRow {
  id: string;
  runId: string;
  object: string;
  recordId: string;
  field: string;
  oldValue: PropertyValue;
  newValue: PropertyValue;
  editedValue: PropertyValue;
  sourceNoteId: string;
  quote: string;
  confidence: number;
  model: string;
  status: ProposalStatus;
  version: number;
  dryRun: boolean;
  createdAt: Date;
  expiresAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  slackChannel: string | null;
  ownerSlackId: string | null;
  slackTs: string | null;
  outcome: string | null;
  screenReason: string | null;
  rejectReason: string | null;
  rejectNote: string | null;
  /** The newer proposal that replaced this one while it was pending. */
  supersededBy: string | null;
  /** The dry-run proposal whose decision this one carried, so nobody was asked twice. */
  carriedFrom: string | null;
  /** The version its Slack card was last drawn at. */
  cardVersion: number | null;
}

/** A new proposal as a run makes it: pending at version 1; what it does not know yet is left out. */
export interface ProposalEntry {
  id: string;
  runId: string;
  object: string;
  recordId: string;
  field: string;
  oldValue?: PropertyValue;
  newValue: PropertyValue;
  editedValue?: PropertyValue;
  sourceNoteId: string;
  quote: string;
  confidence: number;
  model: string;
  dryRun: boolean;
  expiresAt: Date;
  decidedBy?: string | null;
  decidedAt?: Date | null;
  slackChannel?: string | null;
  ownerSlackId?: string | null;
  slackTs?: string | null;
  outcome?: string | null;
  screenReason?: string | null;
  rejectReason?: string | null;
  rejectNote?: string | null;
  supersededBy?: string | null;
  carriedFrom?: string | null;
  cardVersion?: number | null;
}
