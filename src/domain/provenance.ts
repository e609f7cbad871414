import type { Action } from './actions.js';
import type { PropertyValue } from './values.js';

/**
 * A row of the append-only provenance log (docs/guarantees.md#g10) as stored; the hash chain's columns
 * are set by the database's trigger.
 */
export interface ProvenanceRow {
  id: number;
  runId: string;
  object: string;
  recordId: string;
  field: string;
  action: string;
  reason: string | null;
  previousValue: PropertyValue;
  newValue: PropertyValue;
  repValue: PropertyValue;
  sourceNoteId: string | null;
  quote: string | null;
  model: string | null;
  confidence: number | null;
  actor: string;
  dryRun: boolean;
  proposalId: string | null;
  createdAt: Date;
  undoes: number | null;
  chainSeq: number;
  prevHash: string;
  rowHash: string;
  quoteSha256: string | null;
}

/** A provenance row to append: what happened, by whom; the log numbers, dates and chains it. */
export interface ProvenanceEntry {
  runId: string;
  object: string;
  recordId: string;
  field: string;
  action: Action;
  reason?: string | null;
  previousValue?: PropertyValue;
  newValue?: PropertyValue;
  repValue?: PropertyValue;
  sourceNoteId?: string | null;
  quote?: string | null;
  model?: string | null;
  confidence?: number | null;
  actor: string;
  dryRun: boolean;
  proposalId?: string | null;
  undoes?: number | null;
  chainSeq?: number;
  prevHash?: string;
  rowHash?: string;
  quoteSha256?: string | null;
}
