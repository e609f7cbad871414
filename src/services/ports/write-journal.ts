import type { ProvenanceEntry } from '../../domain/provenance.js';
import type { PropertyValue } from '../../domain/values.js';
import type { IntentOutcome, IntentRow } from '../../domain/write-intent.js';
import type { Tx } from './transaction.js';

/** A write to a remote CRM, announced before its request is sent (docs/guarantees.md#g19). */
export interface IntentDraft {
  readonly mode: 'write' | 'restore';
  readonly recordId: string;
  readonly property: string;
  readonly expected: PropertyValue;
  readonly value: PropertyValue;
  /** The provenance row the write earns once it is known to have happened. */
  readonly entry: ProvenanceEntry;
  /** An approved proposal's apply: settling it finishes the proposal too. */
  readonly proposalId?: string | null;
}

/**
 * The write-ahead journal of remote CRM writes. An intent is committed before its
 * request and closed in the transaction that logs the request's outcome; one left open
 * means its writer died between the two, and recovery settles it from the CRM's state.
 */
export interface WriteJournal {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  open(drafts: readonly IntentDraft[]): Promise<number[]>;
  close(tx: Tx, ids: readonly number[]): Promise<void>;
  /** Open intents, oldest first: of these deals (or all), announced before `before`. */
  pending(scope: {
    recordIds?: readonly string[];
    before?: Date;
    limit: number;
  }): Promise<IntentRow[]>;
  /** Locks these intents while still open, skipping any another recoverer holds. */
  claim(tx: Tx, ids: readonly number[]): Promise<IntentRow[]>;
  settle(tx: Tx, id: number, outcome: IntentOutcome): Promise<void>;
  /** Whether `entry`'s change is logged already (a duplicate delivery logged it first). */
  alreadyLogged(tx: Tx, entry: ProvenanceEntry): Promise<boolean>;
  /** approved | edited → applied, once; false when the proposal already moved on. */
  finishProposal(tx: Tx, proposalId: string): Promise<boolean>;
  log(tx: Tx, entry: ProvenanceEntry): Promise<void>;
}
