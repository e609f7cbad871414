import { describe, expect, it } from 'vitest';
import { type ModelPrice, priceFor } from '../../src/domain/model-pricing.js';

/**
 * The published price table, USD per million tokens (base input, 5-minute cache write,
 * cache hit, output), as checked on 2026-12-02:
 * - https://platform.claude.com/docs/en/about-claude/pricing ("Model pricing"): Opus 5,
 *   Opus 4.5–4.8, Opus 4.1 and Opus 4 rows.
 * - https://platform.claude.com/docs/en/models/sonnet-5/overview ("Pricing"): Sonnet 5,
 *   $2 / $2.50 / $0.20 / $10.
 * - Sonnet 5.5 launched 2026-09-28 on the same card as Sonnet 5 (cache read $0.20, per its
 *   model overview page then); Anthropic cut its cache read to $0.10 (0.05x input) on
 *   2026-10-07, as recorded against the live pricing page by kurofune/claudit v1.9.2
 *   (checked 2026-10-24), TheKrush/PromptFuel v1.0.23 (2026-10-16) and
 *   rashidrazak/opencode-cmd-provider v2.2.6 (2026-10-09). Scout uses $0.10.
 * - Opus 5.5: $4 / $5 / $0.20 (0.05x) / $20, kurofune/claudit v1.8.2 against the live
 *   pricing page 2026-09-23.
 * - Sonnet 4.x ($3 / $3.75 / $0.30 / $15) and Haiku 4.5 ($1 / $1.25 / $0.10 / $5): the
 *   same pricing page.
 */
const PUBLISHED: ReadonlyArray<readonly [model: string, price: ModelPrice]> = [
  ['claude-sonnet-5-5', { input: 2, cacheWrite: 2.5, cacheRead: 0.1, output: 10 }],
  ['claude-sonnet-5', { input: 2, cacheWrite: 2.5, cacheRead: 0.2, output: 10 }],
  ['claude-sonnet-4-6', { input: 3, cacheWrite: 3.75, cacheRead: 0.3, output: 15 }],
  ['claude-sonnet-4-5-20250929', { input: 3, cacheWrite: 3.75, cacheRead: 0.3, output: 15 }],
  ['claude-sonnet-4-20250514', { input: 3, cacheWrite: 3.75, cacheRead: 0.3, output: 15 }],
  ['claude-opus-5-5', { input: 4, cacheWrite: 5, cacheRead: 0.2, output: 20 }],
  ['claude-opus-5', { input: 5, cacheWrite: 6.25, cacheRead: 0.5, output: 25 }],
  ['claude-opus-4-8', { input: 5, cacheWrite: 6.25, cacheRead: 0.5, output: 25 }],
  ['claude-opus-4-7', { input: 5, cacheWrite: 6.25, cacheRead: 0.5, output: 25 }],
  ['claude-opus-4-6', { input: 5, cacheWrite: 6.25, cacheRead: 0.5, output: 25 }],
  ['claude-opus-4-5-20251101', { input: 5, cacheWrite: 6.25, cacheRead: 0.5, output: 25 }],
  ['claude-opus-4-1-20250805', { input: 15, cacheWrite: 18.75, cacheRead: 1.5, output: 75 }],
  ['claude-opus-4-20250514', { input: 15, cacheWrite: 18.75, cacheRead: 1.5, output: 75 }],
  ['claude-opus-4-0', { input: 15, cacheWrite: 18.75, cacheRead: 1.5, output: 75 }],
  ['claude-haiku-4-5-20251001', { input: 1, cacheWrite: 1.25, cacheRead: 0.1, output: 5 }],
];

describe('model prices against the published table (checked 2026-12-02)', () => {
  it.each(PUBLISHED)('%s', (model, price) => {
    expect(priceFor(model)).toEqual(price);
  });

  it('every 5-minute cache write is 1.25x input, every cache read 0.1x or (5.5 models) 0.05x', () => {
    for (const [model] of PUBLISHED) {
      const p = priceFor(model) as ModelPrice;
      expect(p.cacheWrite).toBeCloseTo(p.input * 1.25);
      expect(p.cacheRead).toBeCloseTo(p.input * (model.includes('-5-5') ? 0.05 : 0.1));
    }
  });
});
