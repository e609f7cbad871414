import type { DealNote } from '../domain/decide.js';
import { appliedKey, pendingKey } from '../domain/idempotency-keys.js';
import { type Judgement, judgeDeal } from '../domain/judge-deal.js';
import { guardByType, type Policy } from '../domain/policy.js';
import { rejectionKey } from '../domain/rejection-memory.js';
import type { ModelUsage } from '../domain/run-summary.js';
import type { PropertyDef } from '../domain/values.js';
import type { DealPlan } from './deal-plan.js';
import type { CrmDeal, CrmNote } from './ports/crm.js';
import type { ExtractionResult } from './ports/extractor.js';
import type { PageContext } from './ports/run-ledger.js';

/** Everything a pass learned about one deal, ready to be settled and logged. */
export interface DealOutcome {
  readonly deal: CrmDeal;
  readonly judgements: readonly Judgement[];
  /** Set when extraction failed: the deal is logged failed and its watermark stays put. */
  readonly failure: string | null;
  /** Set when the model's answer failed validation as a whole: logged dropped, watermark stays put. */
  readonly rejection: string | null;
  readonly newestNote: CrmNote | null;
  readonly extracted: boolean;
  readonly model: string;
  readonly usage: ModelUsage | null;
}

/**
 * A deal the extractor was not asked about. Its watermark stays where it is: with no
 * open field its notes were not read, and must be when a rep clears a field later.
 */
export function notExtracted(deal: CrmDeal, model: string): DealOutcome {
  return {
    deal,
    newestNote: null,
    model,
    judgements: [],
    failure: null,
    rejection: null,
    extracted: false,
    usage: null,
  };
}

export function failedExtraction(deal: CrmDeal, model: string, failure: string): DealOutcome {
  return {
    deal,
    newestNote: null,
    model,
    judgements: [],
    failure,
    rejection: null,
    extracted: false,
    usage: null,
  };
}

/** Judges an extractor's answer for one deal against the notes it was shown. */
export function judgeExtraction(input: {
  deal: CrmDeal;
  plan: DealPlan;
  result: ExtractionResult;
  context: PageContext;
  policy: Policy;
  defs: ReadonlyMap<string, PropertyDef>;
  userIds: ReadonlySet<string>;
  now: Date;
}): DealOutcome {
  const { deal, plan, result, context } = input;
  const base = {
    deal,
    newestNote: plan.newestNote,
    model: result.model,
    usage: result.usage,
    extracted: true,
    failure: null,
  };
  if (result.rejection !== undefined)
    return { ...base, judgements: [], rejection: result.rejection };
  const judgements = judgeDeal(result.findings, {
    fieldPolicies: guardByType(input.policy.dealFields, input.defs),
    propertyDefs: input.defs,
    dealProperties: deal.properties,
    notes: new Map<string, DealNote>(plan.fresh.map((n) => [n.id, n])),
    userIds: input.userIds,
    now: input.now,
    alreadyApplied: (property, noteId, value) =>
      context.applied.has(appliedKey(deal.id, property, noteId, value)),
    alreadyProposed: (field, value) => context.pending.has(pendingKey(deal.id, field, value)),
    scoutWrote: (field, value) => context.scoutWrote.has(pendingKey(deal.id, field, value)),
    rejectedBefore: (field, value) => context.rejected.get(rejectionKey(deal.id, field, value)),
  });
  return { ...base, judgements, rejection: null };
}
