import type { ProvenanceEntry, ProvenanceRow } from '../../domain/provenance.js';
import type { OfferEnd, OfferRow } from '../../domain/suggestion-offer.js';
import type { Tx } from './transaction.js';

/**
 * Suggestions offered for promotion in Slack (docs/guarantees.md#g23). Every transition is one
 * conditional UPDATE on status and version, committed with its provenance row, so a
 * suggestion is promoted or dismissed once however many clicks arrive.
 */
export interface SuggestionStore {
  /**
   * Records an offer for every suggestion `runId` wrote (or would have) that has none yet,
   * and returns the run's offers not yet posted, by deal then field.
   */
  offersToPost(runId: string): Promise<OfferRow[]>;
  ofDeal(runId: string, recordId: string): Promise<OfferRow[]>;
  get(id: string): Promise<OfferRow | null>;
  setMessage(
    runId: string,
    recordId: string,
    message: { channel: string; ts: string; ownerSlackId: string | null },
  ): Promise<void>;
  /** open → promoting, once; null when another click (or a dismissal) came first. */
  claim(id: string, version: number, by: string, at: Date): Promise<OfferRow | null>;
  /** open → dismissed with its `rejected` row, once. */
  dismiss(
    id: string,
    version: number,
    by: string,
    at: Date,
    log: (row: OfferRow) => ProvenanceEntry,
  ): Promise<OfferRow | null>;
  /** promoting → its end, with its row; inside `tx` when given (the write's transaction). */
  finish(
    id: string,
    status: OfferEnd,
    outcome: string | null,
    log: ProvenanceEntry,
    tx?: Tx,
  ): Promise<OfferRow | null>;
  /** A row that changes no state (a refused click). */
  log(entry: ProvenanceEntry): Promise<void>;
  /** The run's notify_owner FYIs by deal, for deals not told yet (claimed: posted at most once). */
  claimNotices(runId: string): Promise<Map<string, ProvenanceRow[]>>;
}
