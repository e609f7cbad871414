import type { Action } from './actions.js';

/** A run still running, as `/scout status` reads it: its coverage so far and its log so far. */
export interface RunningRun {
  readonly kind: string;
  readonly mode: string;
  readonly scanned: number;
  readonly total: number;
  readonly startedAt: Date;
  /** Its provenance rows so far, by action. */
  readonly counts: Partial<Record<Action, number>>;
}

/** "2 min ago": seconds under a minute, minutes under two hours, hours after. */
export function ago(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s ago`;
  if (s < 120 * 60) return `${Math.round(s / 60)} min ago`;
  return `${(s / 3600).toFixed(1)} h ago`;
}

/**
 * A running run's progress in words: "scanned 120 of 400 deals · 12 written · 30 cards ·
 * started 2 min ago". A dry run's writes are what it would write; an undo counts what
 * it put back.
 */
export function describeRunProgress(run: RunningRun, now: Date): string {
  const n = (a: Action) => run.counts[a] ?? 0;
  const dry = run.mode !== 'live';
  const work =
    run.kind === 'undo'
      ? [`${n('undone') + n('would_undo')} ${dry ? 'would be put back' : 'put back'}`]
      : [
          `${n('written') + n('would_write')} ${dry ? 'would be written' : 'written'}`,
          cards(n('proposed')),
        ];
  return [
    `scanned ${run.scanned} of ${run.total} deals`,
    ...work,
    `started ${ago((now.getTime() - run.startedAt.getTime()) / 1000)}`,
  ].join(' · ');
}

const cards = (n: number) => `${n} card${n === 1 ? '' : 's'}`;
