import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../src/domain/actions.js';
import {
  coverageWarning,
  emptyUsage,
  formatRunSummary,
  type RunSummary,
} from '../../src/domain/run-summary.js';

const summary = (over: Partial<RunSummary>): RunSummary => ({
  run_id: 'r1',
  status: 'completed',
  mode: 'dry_run',
  locks: { apply: false, live_writes: false, paused: false },
  scanned: 25,
  total: 25,
  cap: null,
  counts: { ...emptyCounts(), would_write: 14, skipped: 3 },
  deals: { extracted: 20, no_new_notes: 5, failed: 0 },
  warnings: [],
  usage: emptyUsage(),
  estimated_cost_usd: 0,
  model: 'replay',
  started_at: '2026-11-23T00:00:00.000Z',
  finished_at: '2026-11-23T00:00:01.000Z',
  ...over,
});

describe('run summary (G13, G14)', () => {
  it('a dry run says so on its first line and counts would-be writes', () => {
    const text = formatRunSummary(summary({}));
    expect(text.split('\n')[0]).toBe('DRY RUN — nothing was written');
    expect(text).toContain('0 writes, 14 would-be writes');
    expect(text).toContain('would_write 14 · skipped 3');
    expect(text).toContain('scanned 25 of 25 deals (no cap)');
    expect(text).toContain('locks: --apply closed · LIVE_WRITES=1 closed · pause off');
  });

  it('a live run says LIVE first', () => {
    const text = formatRunSummary(
      summary({ mode: 'live', locks: { apply: true, live_writes: true, paused: false } }),
    );
    expect(text.split('\n')[0]).toBe('LIVE');
    expect(text).not.toContain('would-be');
  });

  it('warnings come right after the mode', () => {
    const text = formatRunSummary(
      summary({
        warnings: ['this run was requested as LIVE but ran DRY because LIVE_WRITES is not 1'],
      }),
    );
    expect(text.split('\n')[1]).toMatch(/^WARNING: this run was requested as LIVE but ran DRY/);
  });

  it('shouts partial coverage only when the cap cut the run short', () => {
    expect(coverageWarning(10, 25, 10)).toContain('PARTIAL COVERAGE: scanned 10 of 25 deals');
    expect(coverageWarning(25, 25, 100)).toBeNull();
    expect(coverageWarning(25, 25, null)).toBeNull();
    expect(coverageWarning(25, 25, 25)).toBeNull();
  });
});
