import type { ExtractionRequest, ExtractionResult } from './extractor.js';

export type BatchResult =
  | { readonly customId: string; readonly ok: true; readonly result: ExtractionResult }
  | { readonly customId: string; readonly ok: false; readonly error: string };

/** Extraction through a provider's batch API: submit once, poll, then stream the answers. */
export interface BatchExtractorPort {
  readonly model: string;
  submit(
    requests: ReadonlyArray<{ customId: string; request: ExtractionRequest }>,
  ): Promise<string>;
  /** True once every request has an answer (or an error) to collect. */
  isEnded(batchId: string): Promise<boolean>;
  results(batchId: string): AsyncIterable<BatchResult>;
}
