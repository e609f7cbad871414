import type { RefreshedValue } from '../concurrency/refreshed-value.js';
import type { Action } from '../domain/actions.js';
import type { Policy } from '../domain/policy.js';
import type { DecisionStatus, ProposalRow } from '../domain/proposal.js';
import type { ProvenanceEntry } from '../domain/provenance.js';
import { REJECT_NOTE_MAX, REJECT_REASONS } from '../domain/rejection-memory.js';
import { validateValue, valueRules } from '../domain/validate-value.js';
import type { PropertyDef, PropertyValue } from '../domain/values.js';
import type { CrmReader, CrmUser } from './ports/crm.js';
import type { ProposalStore } from './ports/proposal-store.js';
import { recordDecision } from './record-decision.js';

export type Decision = { kind: 'approve' } | { kind: 'reject' } | { kind: 'edit'; value: string };

export type DecisionResult =
  | { kind: 'decided'; row: ProposalRow }
  | { kind: 'unauthorized'; row: ProposalRow }
  | { kind: 'already'; row: ProposalRow }
  | { kind: 'expired'; row: ProposalRow }
  | { kind: 'invalid'; reason: string; row: ProposalRow }
  | { kind: 'not_found' }
  /**
   * Asked without lookups, and the decision needs the CRM or Slack: the owner was unknown
   * when the card was made, the approver groups were never read in this process, or an
   * edit's property definitions and users are not in the catalog yet.
   */
  | { kind: 'needs_lookup'; row: ProposalRow };

/** The CRM's property definitions and users, which an edited value is checked against. */
export interface CrmCatalog {
  readonly defs: PropertyDef[];
  readonly users: CrmUser[];
}

export interface DecideDeps {
  readonly crm: CrmReader;
  readonly proposals: ProposalStore;
  readonly policy: Policy;
  readonly clock: () => Date;
  /** Membership of the policy's approver groups, asked only when the user is neither owner nor listed approver. */
  readonly inApproverGroup?: (slackUserId: string) => Promise<boolean>;
  /** Whether `inApproverGroup` would answer without asking Slack. */
  readonly approverGroupsLoaded?: () => boolean;
  /** Definitions and users kept by the caller; without it an edit reads them from the CRM. */
  readonly catalog?: RefreshedValue<CrmCatalog>;
  /** The deal owner's Slack user now (CRM owner, then Slack by email), for rows recorded without one. */
  readonly resolveOwner?: (row: ProposalRow) => Promise<string | null>;
  /** A refused attempt not logged again within the window: counted in the app log instead. */
  readonly onDeniedRepeat?: (attempt: {
    userId: string;
    proposalId: string;
    tried: string;
  }) => void;
}

/**
 * docs/guarantees.md#g17: the deal's owner (as recorded when the card was posted) or a configured
 * approver. Identity comes from the signed payload, never from a button's value.
 */
export function mayDecide(
  row: Pick<ProposalRow, 'ownerSlackId'>,
  policy: Policy,
  slackUserId: string,
): boolean {
  return (
    policy.approvers.includes(slackUserId) ||
    (row.ownerSlackId !== null && row.ownerSlackId === slackUserId)
  );
}

/**
 * {@link mayDecide}; for a proposal made while the owner was unknown (Slack not set up,
 * no match yet), the owner as the CRM and Slack say now, saved on the proposal so later
 * clicks need no lookup; then the approver groups (a Slack call, cached by the caller).
 */
export async function mayDecideNow<
  R extends Pick<ProposalRow, 'id' | 'ownerSlackId'> = ProposalRow,
>(
  deps: Pick<DecideDeps, 'policy' | 'inApproverGroup'> & {
    readonly resolveOwner?: ((row: R) => Promise<string | null>) | undefined;
    /** Where a proposal's resolved owner is saved (absent for rows that are not proposals). */
    readonly proposals?: Pick<DecideDeps['proposals'], 'setOwner'>;
  },
  row: R,
  slackUserId: string,
): Promise<boolean> {
  if (mayDecide(row, deps.policy, slackUserId)) return true;
  if (row.ownerSlackId === null && deps.resolveOwner) {
    const owner = await deps.resolveOwner(row);
    if (owner !== null) {
      await deps.proposals?.setOwner(row.id, owner);
      if (owner === slackUserId) return true;
    }
  }
  return (
    deps.policy.approverGroups.length > 0 &&
    deps.inApproverGroup !== undefined &&
    (await deps.inApproverGroup(slackUserId))
  );
}

/**
 * A person's decision on a proposal (docs/guarantees.md#g12): authorised, validated like a finding
 * when edited, and applied exactly once by a conditional update on status and version.
 * Approve and reject touch only Scout's own database, so Slack gets its answer fast;
 * refusals are logged too.
 */
export async function decideProposal(
  deps: DecideDeps,
  input: { proposalId: string; version: number; userId: string; decision: Decision },
  /** `lookups: false` before Slack is answered: nothing but Scout's database is asked. */
  options: { readonly lookups?: boolean } = {},
): Promise<DecisionResult> {
  const row = await deps.proposals.get(input.proposalId);
  if (!row) return { kind: 'not_found' };
  const now = deps.clock();
  const actor = `slack:${input.userId}`;
  if (options.lookups === false && needsLookup(deps, row, input.userId, input.decision))
    return { kind: 'needs_lookup', row };
  if (!(await mayDecideNow(deps, row, input.userId))) {
    await logDenied(deps, row, input.userId, input.decision.kind);
    return { kind: 'unauthorized', row };
  }
  if (row.status !== 'pending' || row.version !== input.version) return { kind: 'already', row };
  if (row.expiresAt <= now) {
    const expired = await deps.proposals.expire(
      row.id,
      now,
      entry(row, 'expired', 'agent', `expired at ${row.expiresAt.toISOString()} before a decision`),
    );
    return { kind: 'expired', row: expired ?? row };
  }

  let status: DecisionStatus;
  let editedValue: PropertyValue | undefined;
  let log: ProvenanceEntry;
  if (input.decision.kind === 'edit') {
    const checked = await validateEdit(deps, row, input.decision.value, now);
    if (!checked.ok) return { kind: 'invalid', reason: checked.reason, row };
    status = 'edited';
    editedValue = checked.value;
    log = {
      ...entry(
        row,
        'edited',
        actor,
        `approved with an edit: proposed ${JSON.stringify(row.newValue)}, approved ${JSON.stringify(checked.value)}`,
      ),
      newValue: checked.value,
    };
  } else if (input.decision.kind === 'approve') {
    status = 'approved';
    log = entry(row, 'approved', actor, 'approved in Slack');
  } else {
    status = 'rejected';
    log = entry(row, 'rejected', actor, 'rejected in Slack');
  }
  const decided = await recordDecision(
    deps.proposals,
    {
      id: row.id,
      version: input.version,
      status,
      by: input.userId,
      at: now,
      ...(editedValue !== undefined ? { editedValue } : {}),
    },
    log,
  );
  if (!decided) return { kind: 'already', row: (await deps.proposals.get(row.id)) ?? row };
  return { kind: 'decided', row: decided };
}

export type ReasonResult =
  | { kind: 'saved'; row: ProposalRow }
  | { kind: 'unauthorized'; row: ProposalRow }
  | { kind: 'already'; row: ProposalRow }
  | { kind: 'invalid'; reason: string }
  | { kind: 'not_found' }
  /** Asked without lookups, and who may give it needs the CRM or Slack. */
  | { kind: 'needs_lookup'; row: ProposalRow };

/**
 * docs/guarantees.md#g24: the reason for a rejection, chosen after the one-click Reject, by whoever may
 * decide on the proposal (G17). The first reason stands; "other" needs its words.
 */
export async function giveRejectReason(
  deps: DecideDeps,
  input: { proposalId: string; userId: string; reason: string; note?: string | null },
  /** `lookups: false` before Slack is answered: nothing but Scout's database is asked. */
  options: { readonly lookups?: boolean } = {},
): Promise<ReasonResult> {
  if (!REJECT_REASONS.some((r) => r.code === input.reason))
    return {
      kind: 'invalid',
      reason: `unknown reason ${JSON.stringify(input.reason.slice(0, 40))}`,
    };
  const note = input.note?.trim() ? input.note.trim().slice(0, REJECT_NOTE_MAX) : null;
  if (input.reason === 'other' && note === null)
    return { kind: 'invalid', reason: 'say why in a few words' };
  const row = await deps.proposals.get(input.proposalId);
  if (!row) return { kind: 'not_found' };
  if (options.lookups === false && authorisingNeedsLookup(deps, row, input.userId))
    return { kind: 'needs_lookup', row };
  if (!(await mayDecideNow(deps, row, input.userId))) {
    await logDenied(deps, row, input.userId, 'give a reason for a rejection');
    return { kind: 'unauthorized', row };
  }
  const saved = await deps.proposals.setRejectReason(
    row.id,
    input.reason,
    input.reason === 'other' ? note : null,
  );
  if (!saved) return { kind: 'already', row: (await deps.proposals.get(row.id)) ?? row };
  return { kind: 'saved', row: saved };
}

/** One `denied` row per (user, proposal) per this window; the rest go to the app log only. */
export const DENIED_WINDOW_MS = 10 * 60_000;

/** Logs a refused attempt (docs/guarantees.md#g17) without letting repeated clicks flood the audit log. */
export async function logDenied(
  deps: Pick<DecideDeps, 'proposals' | 'clock' | 'onDeniedRepeat'>,
  row: ProposalRow,
  userId: string,
  tried: string,
): Promise<void> {
  const written = await deps.proposals.logDenied(
    entry(
      row,
      'denied',
      `slack:${userId}`,
      `unauthorized: ${userId} is neither the deal owner nor an approver; tried to ${tried}`,
    ),
    new Date(deps.clock().getTime() - DENIED_WINDOW_MS),
  );
  if (!written) deps.onDeniedRepeat?.({ userId, proposalId: row.id, tried });
}

/** An edited value meets the same checks as a model's finding: type, options, limits, users. */
/**
 * Whether {@link mayDecideNow} would ask the CRM or Slack (an owner to look up, approver
 * groups not read yet), which must not happen before Slack is answered.
 */
export function authorisingNeedsLookup<R extends Pick<ProposalRow, 'ownerSlackId'>>(
  deps: Pick<DecideDeps, 'policy' | 'inApproverGroup' | 'approverGroupsLoaded'> & {
    /** Present when an unknown owner can be looked up (it is, not what it returns, that counts). */
    readonly resolveOwner?: unknown;
  },
  row: R,
  slackUserId: string,
): boolean {
  if (mayDecide(row, deps.policy, slackUserId)) return false;
  if (row.ownerSlackId === null && deps.resolveOwner !== undefined) return true;
  const groupsAsked = deps.policy.approverGroups.length > 0 && deps.inApproverGroup;
  return Boolean(groupsAsked) && deps.approverGroupsLoaded?.() !== true;
}

/** Whether deciding would ask the CRM or Slack: authorising, or checking an edit. */
function needsLookup(
  deps: DecideDeps,
  row: ProposalRow,
  slackUserId: string,
  decision: Decision,
): boolean {
  return (
    authorisingNeedsLookup(deps, row, slackUserId) ||
    (decision.kind === 'edit' && deps.catalog?.loaded() !== true)
  );
}

/** The CRM's definitions and users as they are now, for callers that keep no catalog. */
export async function readCatalog(crm: CrmReader): Promise<CrmCatalog> {
  const [defs, users] = await Promise.all([crm.listPropertyDefs(), crm.listUsers()]);
  return { defs, users };
}

async function validateEdit(deps: DecideDeps, row: ProposalRow, typed: string, now: Date) {
  const { defs, users } = await (deps.catalog?.get() ?? readCatalog(deps.crm));
  const def = defs.find((d) => d.name === row.field);
  // A user field is edited with Slack's user picker; the CRM stores its own user id.
  const raw =
    def?.type === 'user' ? (users.find((u) => u.slackUserId === typed)?.id ?? typed) : typed;
  return validateValue(valueRules(def, deps.policy.dealFields.get(row.field)), raw, {
    userIds: new Set(users.map((u) => u.id)),
    now,
  });
}

/** A provenance row about a proposal, carrying its evidence. */
export function entry(
  row: ProposalRow,
  action: Action,
  actor: string,
  reason: string,
): ProvenanceEntry {
  return {
    runId: row.runId,
    object: row.object,
    recordId: row.recordId,
    field: row.field,
    action,
    reason,
    previousValue: row.oldValue ?? null,
    newValue: row.newValue,
    sourceNoteId: row.sourceNoteId,
    quote: row.quote,
    model: row.model,
    confidence: row.confidence,
    actor,
    dryRun: row.dryRun,
    proposalId: row.id,
  };
}
