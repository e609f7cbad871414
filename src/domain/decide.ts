import { type CitableNote, checkCitation } from './citation.js';
import type { Finding } from './finding.js';
import type { FieldPolicy, NoteType } from './policy.js';
import { type PriorRejection, rejectedBeforeReason } from './rejection-memory.js';
import { validateValue, valueRules } from './validate-value.js';
import {
  isEmptyValue,
  type PropertyDef,
  type PropertyValue,
  suggestionProperty,
  valuesEqual,
} from './values.js';

export interface DealNote extends CitableNote {
  readonly type: NoteType;
  readonly createdAt: Date;
}

/** What a finding leads to, before the write gates decide whether a write really happens. */
export type Outcome =
  | {
      kind: 'write';
      property: string;
      value: Exclude<PropertyValue, null>;
      previous: PropertyValue;
      lane: 'suggest' | 'auto';
    }
  | {
      kind: 'propose';
      property: string;
      value: Exclude<PropertyValue, null>;
      previous: PropertyValue;
      reason: string;
      /** Set when the injection screen flagged the quote: the card shows a warning. */
      screen?: string;
    }
  | {
      kind: 'skip';
      property: string;
      reason: string;
      value: PropertyValue;
      /** The field already holds this value because Scout wrote it there (docs/guarantees.md#g19). */
      scoutsOwn?: true;
    }
  | { kind: 'drop'; property: string; reason: string }
  | {
      kind: 'deny';
      property: string;
      reason: string;
      /** notify_owner: the cited value, shown to the owner as unverified text, never written. */
      fyi?: string | number;
    };

export interface DecisionContext {
  readonly fieldPolicies: ReadonlyMap<string, FieldPolicy>;
  /** The CRM's property definitions, by name. */
  readonly propertyDefs: ReadonlyMap<string, PropertyDef>;
  readonly dealProperties: Readonly<Record<string, PropertyValue>>;
  /** The deal's notes that the extractor was shown, by id. */
  readonly notes: ReadonlyMap<string, DealNote>;
  readonly userIds: ReadonlySet<string>;
  readonly now: Date;
  /** docs/guarantees.md#g11: a (property, source note, value) already applied live to this record. */
  readonly alreadyApplied: (
    property: string,
    noteId: string,
    value: Exclude<PropertyValue, null>,
  ) => boolean;
  /** A pending proposal for the same field and value exists already. */
  readonly alreadyProposed: (field: string, value: Exclude<PropertyValue, null>) => boolean;
  /** Scout itself wrote this value to this field live (per the log): never credit it to the rep. */
  readonly scoutWrote?: (field: string, value: Exclude<PropertyValue, null>) => boolean;
  readonly normalizedBodies?: Map<string, string>;
  /** docs/guarantees.md#g24: a person rejected or dismissed this (field, normalised value) on this deal before. */
  readonly rejectedBefore?: (
    field: string,
    value: Exclude<PropertyValue, null>,
  ) => PriorRejection | undefined;
}

/** The end of a `denied` row's reason when its cited value goes to the owner as an FYI. */
export const FYI_REASON = 'shown to the owner as unverified text from a note (notify_owner)';

/** Why a finding is skipped when the field already holds it because Scout wrote it. */
export const SCOUTS_OWN =
  "the field already says this because Scout wrote it in an earlier run (per the log); not the rep's value";

/**
 * The decision table (docs/guarantees.md#g1–G8, G11). Pure: the target record comes from the
 * caller, the target property from the policy, never from the finding itself.
 * Order matters and is part of the contract: policy, citation, evidence, value,
 * confidence, then the rep's value, then what a person already rejected.
 */
export function decide(finding: Finding, ctx: DecisionContext): Outcome {
  const field = finding.field;
  const policy = ctx.fieldPolicies.get(field);
  if (!policy)
    return {
      kind: 'drop',
      property: field,
      reason: `field ${field} is not in the policy (deny by default)`,
    };
  if (policy.write === 'never') {
    const never = `the policy says never for ${field}`;
    if (!policy.notifyOwner) return { kind: 'deny', property: field, reason: never };
    const cited = checkCitation(ctx.notes, finding.note_id, finding.quote, ctx.normalizedBodies);
    if (!cited.ok)
      return {
        kind: 'deny',
        property: field,
        reason: `${never}; not shown to the owner: no source: ${cited.reason}`,
      };
    return {
      kind: 'deny',
      property: field,
      reason: `${never}; ${FYI_REASON}`,
      fyi: typeof finding.value === 'number' ? finding.value : String(finding.value),
    };
  }
  const def = ctx.propertyDefs.get(field);
  if (!def)
    return {
      kind: 'drop',
      property: field,
      reason: `field ${field} is in the policy but not defined in the CRM`,
    };

  const citation = checkCitation(ctx.notes, finding.note_id, finding.quote, ctx.normalizedBodies);
  if (!citation.ok)
    return { kind: 'drop', property: field, reason: `no source: ${citation.reason}` };
  const note = ctx.notes.get(finding.note_id);
  if (policy.evidence && note && !policy.evidence.includes(note.type)) {
    return {
      kind: 'drop',
      property: field,
      reason: `evidence: note ${note.id} is a ${note.type}; ${field} may change only on ${policy.evidence.join(', ')}`,
    };
  }

  const validated = validateValue(valueRules(def, policy), finding.value, {
    userIds: ctx.userIds,
    now: ctx.now,
  });
  if (!validated.ok)
    return { kind: 'drop', property: field, reason: `invalid value: ${validated.reason}` };
  const value = validated.value;

  if (finding.confidence < policy.thresholds.propose) {
    return {
      kind: 'skip',
      property: field,
      value,
      reason: `low confidence: ${finding.confidence} is below the propose threshold ${policy.thresholds.propose}`,
    };
  }

  const repValue = ctx.dealProperties[field] ?? null;
  if (!isEmptyValue(def.type, repValue)) {
    if (valuesEqual(def.type, repValue, value)) {
      if (ctx.scoutWrote?.(field, value))
        return { kind: 'skip', property: field, value, reason: SCOUTS_OWN, scoutsOwn: true };
      return { kind: 'skip', property: field, value, reason: "the rep's value already says this" };
    }
    if (policy.onFilled === 'propose') {
      const turnedDown = rejected(field, value, ctx);
      if (turnedDown) return turnedDown;
      return propose(
        field,
        value,
        repValue,
        ctx,
        "the rep's value differs and the policy says on_filled: propose",
      );
    }
    return {
      kind: 'skip',
      property: field,
      value,
      reason: "the rep's value wins: the field is filled",
    };
  }

  const turnedDown = rejected(field, value, ctx);
  if (turnedDown) return turnedDown;

  switch (policy.write) {
    case 'suggest': {
      const property = suggestionProperty(field);
      const current = ctx.dealProperties[property] ?? null;
      if (valuesEqual(def.type, current, value)) {
        return {
          kind: 'skip',
          property,
          value,
          reason: 'unchanged: the suggestion already says this',
        };
      }
      if (ctx.alreadyApplied(property, finding.note_id, value)) {
        return {
          kind: 'skip',
          property,
          value,
          reason: 'already applied from this note in an earlier run',
        };
      }
      return { kind: 'write', property, value, previous: current, lane: 'suggest' };
    }
    case 'approve':
      return propose(
        field,
        value,
        repValue,
        ctx,
        `the policy requires a person's approval for ${field}`,
      );
    case 'auto': {
      if (finding.confidence < policy.thresholds.auto) {
        const why = `confidence ${finding.confidence} is below the auto threshold ${policy.thresholds.auto}: a person decides`;
        return propose(field, value, repValue, ctx, why);
      }
      if (ctx.alreadyApplied(field, finding.note_id, value)) {
        return {
          kind: 'skip',
          property: field,
          value,
          reason: 'already applied from this note in an earlier run',
        };
      }
      return { kind: 'write', property: field, value, previous: repValue, lane: 'auto' };
    }
  }
}

/** A value a person turned down is neither proposed nor written again, in any lane (docs/guarantees.md#g24). */
function rejected(
  field: string,
  value: Exclude<PropertyValue, null>,
  ctx: DecisionContext,
): Outcome | null {
  const prior = ctx.rejectedBefore?.(field, value);
  if (!prior) return null;
  return { kind: 'skip', property: field, value, reason: rejectedBeforeReason(prior) };
}

function propose(
  field: string,
  value: Exclude<PropertyValue, null>,
  previous: PropertyValue,
  ctx: DecisionContext,
  reason: string,
): Outcome {
  if (ctx.alreadyProposed(field, value)) {
    return {
      kind: 'skip',
      property: field,
      value,
      reason: 'already proposed: a card for this value awaits a decision',
    };
  }
  return { kind: 'propose', property: field, value, previous, reason };
}

/**
 * Several findings may target one property in the same pass. Only the most confident
 * (ties: the later note) may write or propose; the others are skipped as superseded,
 * so one run never writes a field twice.
 */
export function keepStrongest<
  T extends { outcome: Outcome; confidence: number; noteCreatedAt: number },
>(decisions: readonly T[]): T[] {
  const best = new Map<string, T>();
  for (const d of decisions) {
    if (d.outcome.kind !== 'write' && d.outcome.kind !== 'propose') continue;
    const current = best.get(d.outcome.property);
    if (
      !current ||
      d.confidence > current.confidence ||
      (d.confidence === current.confidence && d.noteCreatedAt > current.noteCreatedAt)
    ) {
      best.set(d.outcome.property, d);
    }
  }
  return decisions.map((d) => {
    if (d.outcome.kind !== 'write' && d.outcome.kind !== 'propose') return d;
    if (best.get(d.outcome.property) === d) return d;
    return {
      ...d,
      outcome: {
        kind: 'skip',
        property: d.outcome.property,
        value: d.outcome.value,
        reason: 'superseded by a more confident finding for the same field in this run',
      },
    };
  });
}
