import type { CrmNote } from '../crm/crm-port.js';
import type { ModelUsage } from '../domain/run-summary.js';
import type { FieldType } from '../domain/values.js';

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
  readonly notes: readonly CrmNote[];
  /** The CRM's users, for fields of type `user` (empty when no such field is open). */
  readonly users: readonly { readonly id: string; readonly name: string }[];
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
}

export interface ExtractorPort {
  readonly model: string;
  extract(request: ExtractionRequest): Promise<ExtractionResult>;
}
