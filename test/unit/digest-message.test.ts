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
      labels: {},
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

  it('names fields by their labels, in the changes and the advice, never by key', () => {
    const rows: StatsAggregateRow[] = [
      {
        field: 'closedate',
        kind: 'rejected',
        reason: 'wrong year',
        bucket: 8,
        n: 2,
        medianWaitSeconds: null,
      },
      {
        field: 'economic_buyer',
        kind: 'auto_written',
        reason: null,
        bucket: 9,
        n: 3,
        medianWaitSeconds: null,
      },
    ];
    const stats = buildStats(rows, { since: null, fields: [] }).fields;
    const advice = {
      field: 'closedate',
      kind: 'lane' as const,
      path: ['write'] as const,
      from: 'approve' as const,
      to: 'suggest' as const,
      evidence: {
        measure: 'approved as-is',
        successes: 1,
        trials: 20,
        rate: 0.05,
        interval: { low: 0.01, high: 0.2 },
      },
      why: 'reps rarely approve these as-is',
    };
    const message = digestMessage({
      since: new Date('2026-11-23T09:00:00Z'),
      until: new Date('2026-11-30T09:00:00Z'),
      runs: { total: 1, live: 1, dry: 0, dryDespiteApply: 0, failed: 0 },
      coverage: null,
      fields: stats,
      labels: { closedate: 'Close date' },
      costUsd: 0,
      advice: { advice: [advice], waiting: [] },
    });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Close date: 2 rejected (wrong year: 2)');
    // A field the policy does not label: its key as words.
    expect(text).toContain('Economic buyer: 3 written automatically');
    expect(text).toContain('Close date: move from approve to suggest');
    expect(text).not.toMatch(/closedate|economic_buyer|economic​_​buyer/);
  });
});
