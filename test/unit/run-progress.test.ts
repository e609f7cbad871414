import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  createRunProgress,
  createUndoProgress,
  runProgressDetail,
  undoProgressDetail,
} from '../../src/cli/run-progress.js';
import { emptyCounts } from '../../src/domain/actions.js';

/** A stream that says it is a terminal, and what was drawn on it. */
function terminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 200 });
  const drawn = { text: '' };
  stream.on('data', (d) => {
    drawn.text += String(d);
  });
  return { stream: stream as unknown as NodeJS.WriteStream, drawn };
}

const counts = { ...emptyCounts(), written: 2, would_write: 1, proposed: 3, skipped: 4 };
const usage = {
  input_tokens: 1_000_000,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};
const model = 'claude-sonnet-4-5';

describe('progress bars on a terminal', () => {
  it('scout run: deals scanned of total, counts so far and spend, cleared at the end', () => {
    const { stream, drawn } = terminal();
    const progress = createRunProgress(stream);
    progress.onProgress({ scanned: 200, total: 1000, counts, usage, model });
    progress.onProgress({ scanned: 400, total: 1000, counts, usage, model });
    progress.stop();
    expect(drawn.text).toContain('scanning [');
    expect(drawn.text).toContain('400/1000 deals');
    expect(drawn.text).toContain('written 3 · proposed 3 · skipped 4');
    expect(drawn.text).toMatch(/\$\d+\.\d\d/);
  });

  it('batch collection: results collected of requests, at the batch price', () => {
    const { stream, drawn } = terminal();
    const progress = createRunProgress(stream, { batch: true });
    progress.onProgress({ scanned: 150, total: 300, counts, usage, model });
    progress.stop();
    expect(drawn.text).toContain('collecting [');
    expect(drawn.text).toContain('150/300 deals');
    const full = runProgressDetail({ scanned: 1, total: 1, counts, usage, model }, false);
    const half = runProgressDetail({ scanned: 1, total: 1, counts, usage, model }, true);
    const dollars = (s: string) => Number(/\$(\d+\.\d\d)/.exec(s)?.[1]);
    expect(dollars(full)).toBeGreaterThan(0);
    expect(dollars(half)).toBeCloseTo(dollars(full) / 2, 2);
    expect(drawn.text).toContain(`spend $${dollars(half).toFixed(2)}`);
  });

  it('scout undo: changes reverted of total, with conflicts and failures', () => {
    const { stream, drawn } = terminal();
    const progress = createUndoProgress(stream);
    const undo = { undone: 5, would_undo: 0, conflict: 1, failed: 0 };
    progress.onProgress({ done: 6, total: 9, counts: undo });
    progress.stop();
    expect(drawn.text).toContain('undoing [');
    expect(drawn.text).toContain('6/9 changes');
    expect(drawn.text).toContain('reverted 5 · conflicts 1 · failed 0');
    expect(
      undoProgressDetail({ done: 2, total: 2, counts: { ...undo, undone: 0, would_undo: 2 } }),
    ).toBe('reverted 2 · conflicts 1 · failed 0');
  });

  it('draws nothing before the first report', () => {
    const { stream, drawn } = terminal();
    createUndoProgress(stream).stop();
    expect(drawn.text).toBe('');
  });
});
