/** Every action a provenance row can record (docs/guarantees.md#g10). */
export const ACTIONS = [
  'written',
  'would_write',
  'proposed',
  'approved',
  'rejected',
  'edited',
  'applied',
  'would_apply',
  'stale',
  'expired',
  'denied',
  'skipped',
  'dropped',
  'failed',
  'undone',
  'would_undo',
  'conflict',
  /** A rep changed a value Scout wrote, with no Scout change in between (docs/guarantees.md#g26). */
  'overturned',
  /** A person copied a suggestion into its rep-owned field from Slack (docs/guarantees.md#g23). */
  'promoted',
  'would_promote',
  /** A pending proposal replaced by a newer one for the same field (docs/guarantees.md#g12). */
  'superseded',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Zeroed counters, one key per action, so summaries always show every action. */
export function emptyCounts(): Record<Action, number> {
  return Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<Action, number>;
}

/**
 * Each action as people read it after a count ("24 written", "16 sent for approval"):
 * what ops summaries show instead of the keys.
 */
export const ACTION_WORDS: Readonly<Record<Action, string>> = {
  written: 'written',
  would_write: 'would be written',
  proposed: 'sent for approval',
  approved: 'approved',
  rejected: 'rejected',
  edited: 'edited and approved',
  applied: 'written after approval',
  would_apply: 'would be written after approval',
  stale: 'not written (the deal changed first)',
  expired: 'expired',
  denied: 'refused',
  skipped: 'skipped',
  dropped: 'dropped',
  failed: 'failed',
  undone: 'put back',
  would_undo: 'would be put back',
  conflict: 'left alone (changed since)',
  overturned: 'overturned by a rep',
  promoted: 'copied from a suggestion',
  would_promote: 'would be copied from a suggestion',
  superseded: 'replaced by a newer card',
};
