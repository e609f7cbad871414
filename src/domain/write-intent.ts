import type { PropertyValue } from './values.js';

/** A remote CRM write announced before its request (docs/guarantees.md#g19), as the journal stores it. */
export interface IntentRow {
  id: number;
  runId: string;
  object: string;
  recordId: string;
  property: string;
  mode: 'write' | 'restore';
  expected: PropertyValue;
  value: PropertyValue;
  /** The provenance entry the write earns once it is known to have happened. */
  entry: unknown;
  proposalId: string | null;
  createdAt: Date;
  settledAt: Date | null;
  outcome: string | null;
}

/** How an open intent was settled by recovery, or closed by its own writer. */
export type IntentOutcome =
  | 'recorded'
  | 'recovered_present'
  | 'recovered_absent'
  | 'recovered_already_logged';
