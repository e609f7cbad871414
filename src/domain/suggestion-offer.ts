import type { PropertyValue } from './values.js';

/**
 * docs/guarantees.md#g23: `open` moves exactly once (status and version guard it) to `promoting` and
 * then to how the promotion ended, or to `dismissed`.
 */
export type OfferEnd = 'promoted' | 'would_promote' | 'filled' | 'failed';
export type OfferStatus = 'open' | 'promoting' | 'dismissed' | OfferEnd;

/** A suggestion a run wrote to `scout_<field>` (or would have), offered to the deal's owner. */
export interface OfferRow {
  id: string;
  runId: string;
  recordId: string;
  /** The rep-owned field the suggestion would fill. */
  field: string;
  value: PropertyValue;
  sourceNoteId: string | null;
  quote: string | null;
  confidence: number | null;
  model: string | null;
  dryRun: boolean;
  status: OfferStatus;
  version: number;
  decidedBy: string | null;
  decidedAt: Date | null;
  outcome: string | null;
  ownerSlackId: string | null;
  slackChannel: string | null;
  slackTs: string | null;
  createdAt: Date;
}
