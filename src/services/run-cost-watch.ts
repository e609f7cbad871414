import type { RunSummary } from '../domain/run-summary.js';
import { type CacheWatch, watchPromptCache } from '../extraction/cache-watch.js';
import { estimatedCachedPrefixTokens } from '../extraction/prompt-builder.js';
import type { ExtractionRequest, ExtractionResult } from './ports/extractor.js';
import type { RunState } from './run-state.js';

/** What one extraction run counts about its model cost besides usage: the cache and the note cap. */
interface CostWatch {
  readonly cache: CacheWatch;
  notes: number;
  chars: number;
  prefixTokens: number | null;
}

const watches = new WeakMap<RunState, CostWatch>();

/** Starts watching a run; `warmup` is how many calls go out before any can read the cache (the concurrency). */
export function watchRunCost(state: RunState, warmup: number): void {
  watches.set(state, {
    cache: watchPromptCache(state.model, warmup),
    notes: 0,
    chars: 0,
    prefixTokens: null,
  });
}

/** One deal's request and its answer: logs the per-deal note cap when it left notes out, counts both. */
export function observeExtraction(
  state: RunState,
  request: ExtractionRequest,
  result: ExtractionResult,
): void {
  const left = request.notesLeftOut;
  if (left) {
    state.log.info(
      { deal_id: request.dealId, notes_left_out: left.notes, note_chars_left_out: left.chars },
      'new note text over the per-deal cap left out, oldest first',
    );
  }
  const watch = watches.get(state);
  if (!watch) return;
  if (left) {
    watch.notes += left.notes;
    watch.chars += left.chars;
  }
  watch.prefixTokens ??= estimatedCachedPrefixTokens(request.glossary);
  watch.cache.observe(result, watch.prefixTokens);
}

/** Adds the cache warning (once) to the run's warnings and returns the summary's extraction counters. */
export function finishRunCost(state: RunState): RunSummary['extraction'] {
  const watch = watches.get(state);
  if (!watch) return undefined;
  const warning = watch.cache.warning();
  if (warning) state.warnings.push(warning);
  return watch.chars > 0
    ? { notes_left_out: watch.notes, note_chars_left_out: watch.chars }
    : undefined;
}
