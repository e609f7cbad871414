import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRunProgress } from '../../src/cli/run-progress.js';
import { emptyCounts } from '../../src/domain/actions.js';

describe('createRunProgress', () => {
  it('draws deals scanned of total, counts so far and spend on the stream, and clears it at the end', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 200 });
    let out = '';
    stream.on('data', (d) => {
      out += String(d);
    });
    const progress = createRunProgress(stream as unknown as NodeJS.WriteStream);
    const counts = { ...emptyCounts(), written: 2, proposed: 3 };
    const usage = {
      input_tokens: 1_000_000,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    progress.onProgress({ scanned: 200, total: 1000, counts, usage, model: 'claude-sonnet-4-5' });
    progress.onProgress({ scanned: 400, total: 1000, counts, usage, model: 'claude-sonnet-4-5' });
    progress.stop();
    expect(out).toContain('400/1000 deals');
    expect(out).toContain('written 2 · proposed 3');
    expect(out).toMatch(/\$\d+\.\d\d/);
  });
});
