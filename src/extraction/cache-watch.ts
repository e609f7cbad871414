import type { ExtractionResult } from '../services/ports/extractor.js';
import { minimumCacheablePrefix } from './prompt-cache-floor.js';

/** Miss reasons that are expected for every deal: each deal's message differs by design. */
const EXPECTED_MISSES = new Set(['messages_changed']);

export interface CacheWatch {
  /** One model answer, in the order answers came back; `prefixTokens` is the request's cached prefix. */
  observe(result: Pick<ExtractionResult, 'usage' | 'cacheMiss'>, prefixTokens: number): void;
  /** The run's one warning when the prompt cache never formed after the warm-up, else null. */
  warning(): string | null;
}

/**
 * Watches a run's answers for a prompt cache that never forms. The real API caches
 * nothing below the model's minimum prefix and reports it only as zero cache counters,
 * so a run whose answers after the first `warmup` (the calls in flight before any could
 * read what the first wrote) show no cache reads at all is told, once, with the prefix
 * size, the model's published minimum, and the API's own miss reason when it gave one.
 */
export function watchPromptCache(model: string, warmup: number): CacheWatch {
  let answers = 0;
  let afterWarmup = 0;
  let reads = 0;
  let billed = 0;
  let prefix = 0;
  let reason: string | null = null;
  return {
    observe(result, prefixTokens) {
      answers += 1;
      prefix = Math.max(prefix, prefixTokens);
      if (result.cacheMiss && !EXPECTED_MISSES.has(result.cacheMiss.split(' ')[0] ?? ''))
        reason = result.cacheMiss;
      if (answers <= warmup) return;
      afterWarmup += 1;
      reads += result.usage.cache_read_input_tokens;
      billed += result.usage.input_tokens + result.usage.cache_creation_input_tokens;
    },
    warning() {
      // No input billed at all: an extractor that reports no usage (replay), nothing to warn about.
      if (afterWarmup === 0 || reads > 0 || billed === 0) return null;
      const floor = minimumCacheablePrefix(model);
      const why = reason
        ? `the API's cache diagnostics say: ${reason}`
        : floor !== null && prefix < floor
          ? 'the prefix is under the minimum, so the API caches nothing and bills it in full on every deal'
          : 'the API gave no miss reason (an expired or evicted cache, or a prefix the estimate puts too high)';
      return `prompt cache not forming: prefix ≈${prefix} tokens, model minimum ${floor ?? 'unknown'} (${model}); ${afterWarmup} answers after the first ${warmup} read nothing from cache: ${why}`;
    },
  };
}
