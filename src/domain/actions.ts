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
