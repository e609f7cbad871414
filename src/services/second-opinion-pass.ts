import { pendingKey } from '../domain/idempotency-keys.js';
import { passageAround, SCREEN_REASON_PREFIX } from '../domain/injection-screen.js';
import { flagOutcome } from '../domain/screen-outcome.js';
import type { PropertyValue } from '../domain/values.js';
import type { Logger } from '../logger.js';
import type { DealOutcome } from './deal-outcome.js';
import type { CrmNote } from './ports/crm.js';
import type { PageContext } from './ports/run-ledger.js';
import type { SecondOpinionPort } from './ports/second-opinion.js';

/**
 * The injection screen's optional second layer (SCOUT_SCREEN_SECOND_OPINION=1): each
 * finding the auto lane would write, and only those, is shown to a model as its passage
 * alone, with no tools. A passage read as an instruction (or not clearly read as a fact,
 * or not read at all) makes the write a proposal. Suggestions and cards are not asked
 * about: the deterministic screen covers them, and this keeps the cost to auto writes.
 */
export async function askSecondOpinion(input: {
  port: SecondOpinionPort | undefined;
  outcome: DealOutcome;
  notes: readonly CrmNote[];
  context: PageContext;
  log: Logger;
}): Promise<DealOutcome> {
  const { port, outcome } = input;
  if (!port) return outcome;
  const dealId = outcome.deal.id;
  const bodies = new Map(input.notes.map((n) => [n.id, n.body]));
  const alreadyProposed = (field: string, value: PropertyValue) =>
    input.context.pending.has(pendingKey(dealId, field, value));
  const judgements = await Promise.all(
    outcome.judgements.map(async (j) => {
      const o = j.outcome;
      if (o.kind !== 'write' || o.lane !== 'auto' || j.quote === null) return j;
      const body = j.noteId === null ? undefined : bodies.get(j.noteId);
      const passage = body === undefined ? j.quote : passageAround(body, j.quote);
      let reason: string | null;
      try {
        const verdict = await port.classify(passage);
        input.log.debug(
          {
            deal_id: dealId,
            field: o.property,
            instruction: verdict.instruction,
            usage: verdict.usage,
          },
          'second opinion',
        );
        reason = verdict.instruction ? verdict.reason : null;
      } catch (error) {
        input.log.warn(
          { deal_id: dealId, field: o.property, err: (error as Error).message },
          'second opinion failed',
        );
        reason = 'the second opinion could not be asked, so a person decides';
      }
      if (reason === null) return j;
      const flagged = `${SCREEN_REASON_PREFIX} (second opinion): ${reason}`;
      return { ...j, outcome: flagOutcome(o, flagged, alreadyProposed) };
    }),
  );
  return { ...outcome, judgements };
}
