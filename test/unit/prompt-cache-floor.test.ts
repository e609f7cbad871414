import { describe, expect, it } from 'vitest';
import { priceFor } from '../../src/domain/model-pricing.js';
import {
  minimumCacheablePrefix,
  PUBLISHED_CACHE_FLOORS,
} from '../../src/extraction/prompt-cache-floor.js';

/**
 * Minimum cacheable prompt length per model, in tokens, checked 2026-12-02:
 * - Anthropic's prompt caching guide (platform.claude.com/docs/en/build-with-claude/
 *   prompt-caching), as quoted in anthropics/anthropic-sdk-python#1194: 4,096 for Opus
 *   4.6 and 4.5 and for Haiku 4.5; 1,024 for Sonnet 4.6, Sonnet 4.5, Opus 4.1, Opus 4,
 *   Sonnet 4.
 * - LiteLLM's prompt caching page (docs.litellm.ai, updated 2026-10-07): 512 for Opus 5;
 *   1,024 for Sonnet 5 and Opus 4.8.
 * - PaulArgoud/mxchat-promptcache v0.7.0, verified against Anthropic's guide 2026-06-09:
 *   Opus 4.7 2,048; Opus 4.8 1,024.
 * Not in any stored source (assumed, see docs/extraction-cost.md): Sonnet 5.5 as Sonnet 5,
 * Opus 5.5 as Opus 5.
 */
const PUBLISHED: ReadonlyArray<readonly [model: string, tokens: number]> = [
  ['claude-sonnet-5', 1024],
  ['claude-sonnet-4-6', 1024],
  ['claude-sonnet-4-5-20250929', 1024],
  ['claude-sonnet-4-20250514', 1024],
  ['claude-opus-5', 512],
  ['claude-opus-4-8', 1024],
  ['claude-opus-4-7', 2048],
  ['claude-opus-4-6', 4096],
  ['claude-opus-4-5-20251101', 4096],
  ['claude-opus-4-1-20250805', 1024],
  ['claude-opus-4-20250514', 1024],
  ['claude-haiku-4-5-20251001', 4096],
];
const ASSUMED: ReadonlyArray<readonly [model: string, tokens: number]> = [
  ['claude-sonnet-5-5', 1024],
  ['claude-opus-5-5', 512],
];

describe('minimum cacheable prefix per model (checked 2026-12-02)', () => {
  it.each(PUBLISHED)('%s: %i tokens, as published', (model, tokens) => {
    expect(minimumCacheablePrefix(model)).toBe(tokens);
  });

  it.each(ASSUMED)('%s: %i tokens, assumed from its family', (model, tokens) => {
    expect(minimumCacheablePrefix(model)).toBe(tokens);
  });

  it('knows the floor of every model it has a price for, and no floor for others', () => {
    for (const prefix of PUBLISHED_CACHE_FLOORS.keys())
      expect(priceFor(prefix), prefix).not.toBeNull();
    expect(minimumCacheablePrefix('gpt-4')).toBeNull();
  });
});
