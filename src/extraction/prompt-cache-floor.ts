/**
 * The minimum cacheable prefix per model, in tokens: below it the Messages API caches
 * nothing and says so only by leaving both cache counters at zero. Matched by model id
 * prefix, most specific first, like the price table (dated ids find their family).
 *
 * Sources, checked 2026-12-02 (see test/unit/prompt-cache-floor.test.ts and
 * docs/extraction-cost.md): Anthropic's prompt caching guide as quoted in
 * anthropics/anthropic-sdk-python#1194 (Opus 4.5/4.6 and Haiku 4.5: 4,096; Sonnet 4.x,
 * Opus 4/4.1: 1,024); LiteLLM's prompt caching page (updated 2026-10-07: Opus 5: 512;
 * Sonnet 5, Opus 4.8: 1,024); per-version values (Opus 4.7: 2,048) confirmed on
 * 2026-06-09 against Anthropic's guide by mxchat-promptcache v0.7.0.
 * ASSUMED, not yet in any stored source: Sonnet 5.5 as Sonnet 5 (1,024) and Opus 5.5
 * as Opus 5 (512), each the same family's previous release.
 */
const FLOORS: ReadonlyArray<readonly [prefix: string, tokens: number]> = [
  ['claude-sonnet-5-5', 1024],
  ['claude-sonnet-5', 1024],
  ['claude-sonnet-4', 1024],
  ['claude-opus-5-5', 512],
  ['claude-opus-5', 512],
  ['claude-opus-4-8', 1024],
  ['claude-opus-4-7', 2048],
  ['claude-opus-4-6', 4096],
  ['claude-opus-4-5', 4096],
  ['claude-opus-4-1', 1024],
  ['claude-opus-4', 1024],
  ['claude-haiku-4-5', 4096],
];

/** The model's published minimum cacheable prefix in tokens, or null when Scout does not know it. */
export function minimumCacheablePrefix(model: string): number | null {
  return FLOORS.find(([prefix]) => model === prefix || model.startsWith(`${prefix}-`))?.[1] ?? null;
}

/** The table itself, for the stand-in's default and the test that pins it. */
export const PUBLISHED_CACHE_FLOORS: ReadonlyMap<string, number> = new Map(FLOORS);
