import type { KnownBlock } from '@slack/types';
import type { ProposalStatus } from '../../domain/proposal.js';
import type { RunSummary } from '../../domain/run-summary.js';
import type { OfferStatus } from '../../domain/suggestion-offer.js';
import type { FieldType, PropertyValue } from '../../domain/values.js';
import type { ProposalView } from '../proposal-view.js';

/**
 * What services tell people in Slack: approval cards, suggestions, run summaries and ops
 * alerts. slack/notifier.ts implements it. Services hand it views; only `postOpsMessage`
 * takes composed Slack blocks, from the weekly digest job.
 */
export interface Notifier {
  /** Posts the run's pending proposals: one parent message per deal, one card per proposal in its thread. */
  postProposals(runId: string): Promise<{ posted: number; unrouted: string[] }>;
  /**
   * docs/guarantees.md#g23: the run's suggestions, one message per deal in the deal's thread (the
   * parent of its approval cards), posted once. Optional for test doubles.
   */
  postSuggestions?(runId: string): Promise<{ posted: number; unrouted: string[] }>;
  /**
   * notify_owner: each deal's unverified FYIs of the run, one message in the deal's
   * thread, no buttons, at most once. Optional for test doubles.
   */
  postNotices?(runId: string): Promise<number>;
  /**
   * Issue 18: what a live run wrote without a person, one message per deal in the deal's
   * thread with an Undo per change, at most once. Optional for test doubles.
   */
  postWriteNotices?(runId: string): Promise<number>;
  /** Replaces a deal's suggestions message with its offers' current state. */
  refreshSuggestions?(runId: string, dealId: string): Promise<void>;
  /** Replaces a card with its current state (buttons only while pending). */
  refreshCard(view: ProposalView): Promise<void>;
  postRunSummary(summary: RunSummary): Promise<void>;
  /** A plain alert to the ops channel (a silent worker, a job that failed for good). */
  postOpsAlert(text: string): Promise<void>;
  /** A composed message to the ops channel (the weekly digest); false without an ops channel. Optional for test doubles. */
  postOpsMessage?(message: { text: string; blocks: KnownBlock[] }): Promise<boolean>;
}
/** Everything a card shows. Button values carry only the proposal id and version. */
export interface CardProposal {
  readonly id: string;
  readonly version: number;
  readonly runId: string;
  readonly dryRun: boolean;
  readonly dealName: string;
  readonly dealUrl: string | null;
  readonly fieldLabel: string;
  readonly fieldType: FieldType;
  readonly oldValue: PropertyValue;
  readonly newValue: PropertyValue;
  readonly editedValue: PropertyValue;
  readonly quote: string;
  readonly noteType: string;
  readonly noteDate: Date | null;
  readonly confidence: number;
  readonly status: ProposalStatus;
  readonly decidedBy: string | null;
  readonly decidedAt: Date | null;
  readonly outcome: string | null;
  /** The injection screen flagged the quote: the card says it reads like an instruction to an AI. */
  readonly screened?: boolean;
  /** An applied live change offers Undo (the click checks who and the window). */
  readonly undoable?: boolean;
  /** What an Undo from this card did: who (a Slack user id from a signed payload), when, and the result (escaped here). */
  readonly undoNote?: { readonly by: string; readonly at: Date; readonly text: string };
  /** docs/guarantees.md#g24: the reason chosen after a Reject (a REJECT_REASONS code) and the words of "other". */
  readonly rejectReason?: string | null;
  readonly rejectNote?: string | null;
  /** For a user field: CRM user id → name, so the card names the person rather than an id. */
  readonly userNames?: Readonly<Record<string, string>>;
  /** The field's CRM key (money fields show amounts), its options' labels, and the deal's currency. */
  readonly field?: string;
  readonly optionLabels?: Readonly<Record<string, string>>;
  readonly currency?: string;
  /** The decision came from the dry-run card for the same change (docs/guarantees.md#g12). */
  readonly carried?: boolean;
  /** A superseded card links to the card that replaced it, when that one was posted. */
  readonly superseded?: { readonly link: string | null; readonly byLive: boolean };
  /**
   * A dry-run card shown to ops as a rehearsal (policy `dry_run_cards: ops`): no buttons,
   * and it names who would decide it in a live run.
   */
  readonly preview?: { readonly ownerName: string | null };
}
/** One suggestion as the message shows it; the message escapes everything user-supplied. */
export interface ShownOffer {
  readonly id: string;
  readonly version: number;
  readonly label: string;
  /** The suggested value as a person reads it (a user's name rather than an id). */
  readonly value: string;
  readonly quote: string | null;
  readonly noteType: string | null;
  readonly noteDate: Date | null;
  readonly confidence: number | null;
  readonly status: OfferStatus;
  readonly decidedBy: string | null;
  readonly outcome: string | null;
}

export interface SuggestionsMessage {
  readonly runId: string;
  readonly dealId: string;
  readonly dealName: string;
  readonly dryRun: boolean;
  /** A dry run's message shown to ops as a rehearsal: no buttons. */
  readonly preview?: boolean;
  readonly offers: readonly ShownOffer[];
}
