import type { ProvenanceRow } from '../../domain/provenance.js';

/** Where a deal's write notice went, and the owner it was addressed to. */
export interface WriteNoticeRow {
  readonly runId: string;
  readonly recordId: string;
  readonly ownerSlackId: string | null;
  readonly slackChannel: string | null;
  readonly slackTs: string | null;
}

/**
 * Issue 18, "word of every write": the live changes a run made without a person (an
 * `auto` field's `written` row), told once per deal in the deal's thread.
 */
export interface WriteNoticeStore {
  /** The run's live agent writes by deal, for deals not claimed yet (claimed: posted at most once). */
  claim(runId: string): Promise<Map<string, ProvenanceRow[]>>;
  setMessage(
    runId: string,
    recordId: string,
    message: { channel: string; ts: string; ownerSlackId: string | null },
  ): Promise<void>;
  /** The notice that lists this change, if one was posted. */
  ofChange(changeId: number): Promise<WriteNoticeRow | null>;
  /** A deal's live agent writes in a run, in log order: the notice's lines. */
  writesOf(runId: string, recordId: string): Promise<ProvenanceRow[]>;
  /** The latest undo row (undone, would_undo, conflict, failed) of each of these changes. */
  lastUndoOf(changeIds: readonly number[]): Promise<Map<number, ProvenanceRow>>;
}
