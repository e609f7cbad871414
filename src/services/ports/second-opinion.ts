import type { ModelUsage } from '../../domain/run-summary.js';

/** The second opinion's verdict on one passage, and what asking cost. */
export interface SecondOpinion {
  readonly instruction: boolean;
  /** Why, in words for the log; never the passage itself. */
  readonly reason: string;
  readonly usage: ModelUsage;
}

/**
 * The optional second layer of the injection screen (SCOUT_SCREEN_SECOND_OPINION=1): a
 * model asked, with no tools and nothing but the quoted passage, whether the passage
 * reads as an instruction to an AI. Asked only for findings the auto lane would write.
 */
export interface SecondOpinionPort {
  readonly model: string;
  classify(passage: string): Promise<SecondOpinion>;
}
