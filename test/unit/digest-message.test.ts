import { describe, expect, it } from 'vitest';
import { buildStats, type StatsAggregateRow } from '../../src/domain/field-stats.js';
import { digestMessage } from '../../src/slack/blocks/digest-message.js';
import { checkBlocks } from '../support/block-kit-limits.js';

describe('digestMessage', () => {
  it('stays within Block Kit limits however many fields changed, and escapes reasons', () => {
    const rows: StatsAggregateRow[] = Array.from({ length: 1000 }, (_, i) => ({
      field: `field_${i}`,
      kind: 'rejected',
      reason: `<!channel> ${'why '.repeat(60)}`,
      bucket: 8,
      n: 3,
      medianWaitSeconds: null,
    }));
    const message = digestMessage({
      since: new Date('2026-11-23T09:00:00Z'),
      until: new Date('2026-11-30T09:00:00Z'),
      runs: { total: 3, live: 2, dry: 1, dryDespiteApply: 1, failed: 0 },
      coverage: { scanned: 90, total: 100 },
      fields: buildStats(rows, { since: null, fields: [] }).fields,
      costUsd: 1.234,
      advice: { advice: [], waiting: [] },
    });
    expect(checkBlocks(message.blocks, 'message')).toEqual([]);
    expect(message.blocks).toHaveLength(50);
    // The changes are cut, the advice is not.
    expect(JSON.stringify(message.blocks.at(-1))).toContain('Autonomy advice');
    expect(JSON.stringify(message.blocks.at(-2))).toContain('run `scout digest`');
    const text = JSON.stringify(message.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('1 asked to be live but ran dry');
    expect(text).toContain('90 of 100 deals (90%)');
    expect(text).toContain('$1.23');
  });
});
