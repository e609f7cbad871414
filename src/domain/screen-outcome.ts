import type { DealNote, Outcome } from './decide.js';
import type { Finding } from './finding.js';
import { screenFinding } from './injection-screen.js';
import type { PropertyValue } from './values.js';

export interface ScreenContext {
  readonly notes: ReadonlyMap<string, DealNote>;
  readonly alreadyProposed: (field: string, value: Exclude<PropertyValue, null>) => boolean;
}

/**
 * The injection screen over one decision: a finding the table would write without a
 * person (`auto`, or `suggest` into scout_*) whose quote reads as an instruction to an
 * AI becomes a proposal instead; a finding already bound for a person keeps its card,
 * which now carries the warning. Everything else passes unchanged.
 */
export function screenOutcome(outcome: Outcome, finding: Finding, ctx: ScreenContext): Outcome {
  if (outcome.kind !== 'write' && outcome.kind !== 'propose') return outcome;
  const verdict = screenFinding(finding.quote, ctx.notes.get(finding.note_id)?.body);
  return verdict.flagged ? flagOutcome(outcome, verdict.reason, ctx.alreadyProposed) : outcome;
}

/**
 * Routes a write to a person for `reason` (the deterministic screen's, or the second
 * opinion's). The proposal targets the property the write would have changed, so an
 * approval does exactly what the lane would have done without the flag.
 */
export function flagOutcome(
  outcome: Outcome,
  reason: string,
  alreadyProposed: ScreenContext['alreadyProposed'],
): Outcome {
  if (outcome.kind === 'propose')
    return { ...outcome, reason: `${outcome.reason}; ${reason}`, screen: reason };
  if (outcome.kind !== 'write') return outcome;
  if (alreadyProposed(outcome.property, outcome.value)) {
    return {
      kind: 'skip',
      property: outcome.property,
      value: outcome.value,
      reason: `${reason}; already proposed: a card for this value awaits a decision`,
    };
  }
  return {
    kind: 'propose',
    property: outcome.property,
    value: outcome.value,
    previous: outcome.previous,
    reason: `${reason}: a person decides instead of the ${outcome.lane} lane`,
    screen: reason,
  };
}
