import { describe, expect, it } from 'vitest';
import { ago, describeRunProgress } from '../../src/domain/run-progress-text.js';

const NOW = new Date('2026-12-02T12:00:00Z');
const minutesBefore = (m: number) => new Date(NOW.getTime() - m * 60_000);

describe('describeRunProgress (/scout status on a running run)', () => {
  it('says deals scanned of total, writes and cards so far, and when it started', () => {
    expect(
      describeRunProgress(
        {
          kind: 'extract',
          mode: 'live',
          scanned: 120,
          total: 400,
          startedAt: minutesBefore(2),
          counts: { written: 12, proposed: 30, skipped: 7 },
        },
        NOW,
      ),
    ).toBe('scanned 120 of 400 deals · 12 written · 30 cards · started 2 min ago');
  });

  it('counts what a dry run would write, and one card in the singular', () => {
    expect(
      describeRunProgress(
        {
          kind: 'extract_batch',
          mode: 'dry_run',
          scanned: 0,
          total: 5,
          startedAt: new Date(NOW.getTime() - 40_000),
          counts: { would_write: 3, proposed: 1 },
        },
        NOW,
      ),
    ).toBe('scanned 0 of 5 deals · 3 would be written · 1 card · started 40 s ago');
  });

  it('counts what an undo put back, with nothing logged yet as zero', () => {
    const undo = {
      kind: 'undo',
      mode: 'live',
      scanned: 1,
      total: 3,
      startedAt: minutesBefore(1),
      counts: { undone: 4, conflict: 1 },
    };
    expect(describeRunProgress(undo, NOW)).toBe(
      'scanned 1 of 3 deals · 4 put back · started 1 min ago',
    );
    expect(describeRunProgress({ ...undo, counts: {} }, NOW)).toContain('· 0 put back ·');
  });

  it('ago: seconds, then minutes, then hours; never negative', () => {
    expect(ago(59.4)).toBe('59 s ago');
    expect(ago(60)).toBe('1 min ago');
    expect(ago(119 * 60)).toBe('119 min ago');
    expect(ago(3 * 3600)).toBe('3.0 h ago');
    expect(ago(-5)).toBe('0 s ago');
  });
});
