import {
  type DealNote,
  type DecisionContext,
  decide,
  keepStrongest,
  type Outcome,
} from './decide.js';
import { parseFinding } from './finding.js';
import { screenOutcome } from './screen-outcome.js';

/** One raw finding, judged: the outcome plus what the provenance row must echo of it. */
export interface Judgement {
  readonly outcome: Outcome;
  readonly noteId: string | null;
  readonly quote: string | null;
  readonly confidence: number | null;
  readonly noteCreatedAt: number;
  /** The rep-owned field this finding is about (the outcome may target its scout_* twin). */
  readonly field: string;
}

/**
 * Judges every raw finding for one deal: parse each on its own (a malformed one is
 * dropped, its siblings still judged), run the decision table and the injection screen,
 * then let only the strongest finding per property act (an unflagged one before any
 * flagged one).
 */
export function judgeDeal(
  rawFindings: readonly unknown[],
  ctx: DecisionContext & { notes: ReadonlyMap<string, DealNote> },
): Judgement[] {
  const judged = rawFindings.map((raw): Judgement & { confidence: number } => {
    const parsed = parseFinding(raw);
    if (!parsed.ok) {
      return {
        outcome: { kind: 'drop', property: parsed.field, reason: parsed.reason },
        noteId: parsed.noteId,
        quote: parsed.quote,
        confidence: -1,
        noteCreatedAt: 0,
        field: parsed.field,
      };
    }
    const f = parsed.finding;
    return {
      outcome: screenOutcome(decide(f, ctx), f, ctx),
      noteId: f.note_id,
      quote: f.quote,
      confidence: f.confidence,
      noteCreatedAt: ctx.notes.get(f.note_id)?.createdAt.getTime() ?? 0,
      field: f.field,
    };
  });
  // A flagged finding ranks below every unflagged one for the same property: an
  // attacker's confident quote must not push a genuine finding aside.
  const ranked = judged.map((j) => ({
    ...j,
    stated: j.confidence,
    confidence: screened(j.outcome) ? j.confidence - 2 : j.confidence,
  }));
  return keepStrongest(ranked).map(({ stated, ...j }, n) => ({
    ...j,
    outcome: keepScreenReason(ranked[n]?.outcome, j.outcome),
    confidence: stated < 0 ? null : stated,
  }));
}

function screened(o: Outcome): o is Extract<Outcome, { kind: 'propose' }> & { screen: string } {
  return o.kind === 'propose' && o.screen !== undefined;
}

/** A flagged finding superseded by another still says, in its log row, that it was flagged. */
function keepScreenReason(before: Outcome | undefined, after: Outcome): Outcome {
  if (!before || !screened(before) || after.kind !== 'skip') return after;
  return {
    ...after,
    reason: `${before.screen}; superseded by another finding for the same field in this run`,
  };
}
