import type { ModelUsage } from './run-summary.js';

/** USD per million tokens. Cache writes are the 5-minute kind, which is what Scout uses. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly cacheWrite: number;
  readonly cacheRead: number;
}

// Anthropic's published prices, USD per million tokens, checked 2026-12-02 against the
// sources named in test/unit/model-pricing.test.ts. Matched by model id prefix, most
// specific first, so dated ids (claude-sonnet-4-5-20250929) find their family. Sonnet 5.5
// and Opus 5.5 read the cache at 0.05x input, not the usual 0.1x (Sonnet 5.5 since the
// cut of 2026-10-07; it launched at $0.20).
const OPUS_4_0_AND_4_1: ModelPrice = { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 };
const PRICES: ReadonlyArray<readonly [prefix: string, price: ModelPrice]> = [
  ['claude-sonnet-5-5', { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 }],
  ['claude-sonnet-5', { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 }],
  ['claude-sonnet-4', { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }],
  ['claude-opus-5-5', { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 }],
  ['claude-opus-5', { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 }],
  ['claude-opus-4-1', OPUS_4_0_AND_4_1],
  ['claude-opus-4-0', OPUS_4_0_AND_4_1],
  // Opus 4's dated id has no minor version, so the family prefix below would price it as 4.5+.
  ['claude-opus-4-20250514', OPUS_4_0_AND_4_1],
  ['claude-opus-4', { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 }],
  ['claude-haiku-4-5', { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 }],
];

export function priceFor(model: string): ModelPrice | null {
  return PRICES.find(([prefix]) => model === prefix || model.startsWith(`${prefix}-`))?.[1] ?? null;
}

/** Estimated cost in USD, or null for a model whose price Scout does not know. Batches cost half. */
export function estimateCost(usage: ModelUsage, model: string, batch = false): number | null {
  const price = priceFor(model);
  if (!price) return null;
  const dollars =
    (usage.input_tokens * price.input +
      usage.output_tokens * price.output +
      usage.cache_creation_input_tokens * price.cacheWrite +
      usage.cache_read_input_tokens * price.cacheRead) /
    1_000_000;
  return batch ? dollars / 2 : dollars;
}
