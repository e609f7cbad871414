import { ACTIONS, type Action } from './actions.js';

/** What an undo run reverted and how that went; the `undo` key of its summary JSON. */
export interface UndoInfo {
  /** What was asked to be undone: a whole run, or one change (a provenance row id). */
  readonly target: { readonly run_id: string } | { readonly change_id: number };
  /** Live `written` / `applied` changes the target holds. */
  readonly changes: number;
  /** Of those, already undone by an earlier live undo: left as they are (undo is idempotent). */
  readonly already_undone: number;
  /** Pending proposals of the undone run that were expired (or, in a dry run, would be). */
  readonly expired_proposals: number;
  /**
   * Approved (or edited) proposals of the undone run still waiting to be written: expired
   * so they never write after the undo (or, in a dry run, would be). Each is a warning too.
   */
  readonly unapplied_approvals: number;
  /** Why there was nothing to undo (a dry run, no live change), or null. */
  readonly nothing_to_undo: string | null;
}

export function describeTarget(target: UndoInfo['target']): string {
  return 'run_id' in target ? `run ${target.run_id}` : `change #${target.change_id}`;
}

/** The body of an undo run's summary, under the mode line, warnings and run id. */
export function formatUndoLines(
  undo: UndoInfo,
  mode: 'live' | 'dry_run',
  counts: Readonly<Record<Action, number>>,
  gatesLine: string,
): string[] {
  const lines = [`undo of ${describeTarget(undo.target)}`, gatesLine];
  if (undo.nothing_to_undo !== null) lines.push(`NOTHING TO UNDO: ${undo.nothing_to_undo}`);
  lines.push(
    `${undo.changes} live change${undo.changes === 1 ? '' : 's'}, ${undo.already_undone} already undone; ` +
      `restored ${counts.undone}, would restore ${counts.would_undo}, conflicts ${counts.conflict} (left alone), failed ${counts.failed}`,
  );
  const shown = ACTIONS.filter((a) => counts[a] > 0).map((a) => `${a} ${counts[a]}`);
  lines.push(`actions: ${shown.length > 0 ? shown.join(' · ') : 'none'}`);
  if (undo.expired_proposals > 0)
    lines.push(
      `${undo.expired_proposals} pending proposal${undo.expired_proposals === 1 ? '' : 's'} of the undone run ${mode === 'live' ? 'expired' : 'would be expired'}`,
    );
  if (undo.unapplied_approvals > 0)
    lines.push(
      `${undo.unapplied_approvals} approved proposal${undo.unapplied_approvals === 1 ? '' : 's'} of the undone run not yet written ${mode === 'live' ? 'expired: never written' : 'would be expired'}`,
    );
  if (mode === 'dry_run') lines.push(`0 writes, ${counts.would_undo} would-be restores`);
  return lines;
}
