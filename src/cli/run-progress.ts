import { SingleBar } from 'cli-progress';
import { estimateCost } from '../domain/model-pricing.js';
import type { RunProgress } from '../services/run-state.js';
import type { UndoProgress } from '../services/undo-run.js';

/**
 * A progress bar on stderr (done of total, rate, ETA, then what the work has counted so
 * far), only for a terminal: the caller checks `isTTY` and `--json`, so piped output and
 * scripts see nothing extra. `scout run`, batch collection and `scout undo` each say
 * what they count.
 */
function createProgressBar(stream: NodeJS.WriteStream, verb: string, unit: string) {
  const bar = new SingleBar({
    stream,
    format: `${verb} [{bar}] {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} | {detail}`,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  let started = false;
  const t0 = Date.now();
  return {
    update(done: number, total: number, detail: string) {
      const payload = {
        rate: (done / Math.max(0.001, (Date.now() - t0) / 1000)).toFixed(1),
        detail,
      };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Counts and spend so far; a Message Batch costs half the list price. */
export function runProgressDetail(p: RunProgress, batch: boolean): string {
  const spend = estimateCost(p.usage, p.model, batch) ?? 0;
  return `written ${p.counts.written + p.counts.would_write} · proposed ${p.counts.proposed} · skipped ${p.counts.skipped} | spend $${spend.toFixed(2)}`;
}

/** A dry undo's "would undo" counts as reverted, as a dry run's "would write" counts as written. */
export function undoProgressDetail(p: UndoProgress): string {
  return `reverted ${p.counts.undone + p.counts.would_undo} · conflicts ${p.counts.conflict} · failed ${p.counts.failed}`;
}

/** `scout run`: deals scanned of total; with `--batch`, the batch's results collected of requests sent. */
export function createRunProgress(stream: NodeJS.WriteStream, options: { batch?: boolean } = {}) {
  const batch = options.batch === true;
  const bar = createProgressBar(stream, batch ? 'collecting' : 'scanning', 'deals');
  return {
    onProgress: (p: RunProgress) => bar.update(p.scanned, p.total, runProgressDetail(p, batch)),
    stop: bar.stop,
  };
}

/** `scout undo`: changes settled of those to undo. */
export function createUndoProgress(stream: NodeJS.WriteStream) {
  const bar = createProgressBar(stream, 'undoing', 'changes');
  return {
    onProgress: (p: UndoProgress) => bar.update(p.done, p.total, undoProgressDetail(p)),
    stop: bar.stop,
  };
}
