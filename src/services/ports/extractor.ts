import type { ModelUsage } from '../../domain/run-summary.js';
import type { FieldType } from '../../domain/values.js';
import type { CrmNote } from './crm.js';

/** A field the extractor may fill for this deal: only policy fields still open to the agent. */
export interface ExtractionField {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  readonly description?: string;
  readonly options?: readonly string[];
}

/** Everything the extractor sees: one deal's notes and the open fields. Never another deal's data. */
export interface ExtractionRequest {
  readonly dealId: string;
  readonly dealName: string;
  readonly fields: readonly ExtractionField[];
  /**
   * Every policy field the agent may fill, open or not: the same for every deal of a
   * run, so the prompt keeps it in the cached prefix as the field glossary.
   */
  readonly glossary: readonly ExtractionField[];
  /** The notes the model sees: this pass's new notes that fit the per-deal cap (newest kept first), oldest first. */
  readonly notes: readonly CrmNote[];
  /**
   * The users the model may name, for fields of type `user`: empty unless such a field is
   * open, and then only the deal's candidates (owner, people named in its notes).
   */
  readonly users: readonly { readonly id: string; readonly name: string }[];
  /** New notes the per-deal cap kept from the model (oldest first), counted in the run summary. */
  readonly notesLeftOut?: { readonly notes: number; readonly chars: number };
}

/**
 * Raw findings, untrusted: the pipeline parses each one on its own, so one malformed
 * finding is dropped while its siblings are still judged.
 */
export interface ExtractionResult {
  readonly findings: readonly unknown[];
  readonly model: string;
  readonly usage: ModelUsage;
  /** Set when the answer as a whole failed validation: it is logged as dropped and none of it is used. */
  readonly rejection?: string;
  /**
   * The API's cache diagnostics for this call (Messages API only): why the prompt cache
   * could not reuse the previous call's prefix, e.g. `system_changed`. Absent when the
   * API gave no reason.
   */
  readonly cacheMiss?: string;
}

export interface ExtractorPort {
  readonly model: string;
  extract(request: ExtractionRequest): Promise<ExtractionResult>;
}
