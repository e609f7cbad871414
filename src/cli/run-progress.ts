import { SingleBar } from 'cli-progress';
import { estimateCost } from '../domain/model-pricing.js';
import type { RunProgress } from '../services/run-extraction.js';

/**
 * A progress bar on stderr (deals scanned of total, rate, ETA, counts and model spend so
 * far), only for a terminal: the caller checks `isTTY` and `--json`, so piped output and
 * scripts see nothing extra.
 */
export function createRunProgress(stream: NodeJS.WriteStream) {
  const bar = new SingleBar({
    stream,
    format:
      'scanning [{bar}] {value}/{total} deals | {rate}/s | ETA {eta_formatted} | written {written} · proposed {proposed} · skipped {skipped} | spend {spend}',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  let started = false;
  const t0 = Date.now();
  return {
    onProgress(p: RunProgress) {
      const payload = {
        rate: (p.scanned / Math.max(0.001, (Date.now() - t0) / 1000)).toFixed(1),
        written: p.counts.written + p.counts.would_write,
        proposed: p.counts.proposed,
        skipped: p.counts.skipped,
        spend: `$${(estimateCost(p.usage, p.model) ?? 0).toFixed(2)}`,
      };
      if (!started) {
        bar.start(p.total, p.scanned, payload);
        started = true;
      } else {
        bar.setTotal(p.total);
        bar.update(p.scanned, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
