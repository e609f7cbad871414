import type { FieldType, PropertyValue } from './values.js';
import { valuesEqual } from './values.js';

/** A live change Scout made (a `written` or `applied` provenance row) that undo may revert. */
export interface UndoChange {
  readonly id: number;
  readonly field: string;
  /** The value before Scout's write: what undo puts back. */
  readonly previousValue: PropertyValue;
  /** What Scout wrote: undo restores only while the field still holds it. */
  readonly newValue: PropertyValue;
}

/** One compare-then-write back to a recorded value; `null` clears. */
export interface Restore {
  /** The change it reverts. */
  readonly changeId: number;
  readonly property: string;
  readonly value: PropertyValue;
  readonly expected: PropertyValue;
}

export type RestoreResult =
  | { readonly status: 'written' }
  | { readonly status: 'conflict'; readonly current: PropertyValue }
  | { readonly status: 'failed'; readonly reason: string };

/** What undo did (or, dry, would do) about one change. */
export interface UndoOutcome {
  readonly change: UndoChange;
  readonly action: 'undone' | 'would_undo' | 'conflict' | 'failed';
  /** The field's value when undo looked at it. */
  readonly found: PropertyValue;
  readonly reason: string;
}

const show = (v: PropertyValue) => JSON.stringify(v);

/** Why an undone row says what it does: the same words whoever logs it (undo, or recovery). */
export function restoredReason(r: Restore): string {
  return `restored ${r.property} from ${show(r.expected)} to ${show(r.value)}, undoing change #${r.changeId}`;
}

/** Per field, the changes newest first: the order undo walks them (the log's order is chain order). */
export function undoStacks(changes: readonly UndoChange[]): Map<string, UndoChange[]> {
  const stacks = new Map<string, UndoChange[]>();
  for (const c of [...changes].sort((a, b) => b.id - a.id)) {
    const stack = stacks.get(c.field) ?? [];
    stack.push(c);
    stacks.set(c.field, stack);
  }
  return stacks;
}

/**
 * One change against the field's value now: restore it while the field still holds what
 * Scout wrote; count it restored when the field already holds the earlier value (a rep
 * put it back, or an earlier undo wrote and died before logging); otherwise someone
 * changed it since, and it is left alone.
 */
export function decideStep(
  type: FieldType,
  current: PropertyValue,
  change: UndoChange,
): 'restore' | 'already_restored' | 'conflict' {
  if (valuesEqual(type, current, change.newValue)) return 'restore';
  if (valuesEqual(type, current, change.previousValue)) return 'already_restored';
  return 'conflict';
}

/**
 * Undoes one deal's changes (docs/guarantees.md#g15): each field is walked newest change first, so a
 * field Scout wrote twice ends at the value before the first write; a conflict on a
 * later change leaves every earlier change to that field alone. Live, each round sends
 * at most one restore per field through `restore` (compare-then-write); dry, nothing is
 * sent and each step assumes the one before it succeeded.
 */
export async function undoDeal(input: {
  changes: readonly UndoChange[];
  current: Readonly<Record<string, PropertyValue>>;
  typeOf: (field: string) => FieldType;
  live: boolean;
  restore: (restores: readonly Restore[]) => Promise<readonly RestoreResult[]>;
}): Promise<UndoOutcome[]> {
  const current: Record<string, PropertyValue> = { ...input.current };
  const stacks = undoStacks(input.changes);
  const blockedBy = new Map<string, number>();
  const outcomes: UndoOutcome[] = [];
  const depth = Math.max(0, ...[...stacks.values()].map((s) => s.length));
  for (let round = 0; round < depth; round++) {
    const sends: Array<{ change: UndoChange; restore: Restore }> = [];
    for (const [field, stack] of stacks) {
      const change = stack[round];
      if (!change) continue;
      const found = current[field] ?? null;
      const blocker = blockedBy.get(field);
      if (blocker !== undefined) {
        outcomes.push({
          change,
          action: 'conflict',
          found,
          reason: `left alone: the later change #${blocker} to ${field} was not undone, so this earlier one cannot be`,
        });
        continue;
      }
      const step = decideStep(input.typeOf(field), found, change);
      if (step === 'conflict') {
        blockedBy.set(field, change.id);
        outcomes.push({
          change,
          action: 'conflict',
          found,
          reason: `left alone: ${field} is now ${show(found)}, not ${show(change.newValue)} as Scout wrote it; someone changed it since`,
        });
      } else if (step === 'already_restored') {
        outcomes.push({
          change,
          action: input.live ? 'undone' : 'would_undo',
          found,
          reason: `${field} already holds ${show(change.previousValue)}, the value before change #${change.id}; nothing ${input.live ? 'was' : 'would be'} written`,
        });
      } else if (!input.live) {
        outcomes.push({
          change,
          action: 'would_undo',
          found,
          reason: `would restore ${field} from ${show(found)} to ${show(change.previousValue)}, undoing change #${change.id}`,
        });
        current[field] = change.previousValue;
      } else {
        sends.push({
          change,
          restore: {
            changeId: change.id,
            property: field,
            value: change.previousValue,
            expected: found,
          },
        });
      }
    }
    if (sends.length === 0) continue;
    const results = await input.restore(sends.map((s) => s.restore));
    sends.forEach(({ change, restore }, i) => {
      const r = results[i] ?? { status: 'failed', reason: 'the CRM gave no result' };
      if (r.status === 'written') {
        outcomes.push({
          change,
          action: 'undone',
          found: restore.expected,
          reason: restoredReason(restore),
        });
        current[change.field] = restore.value;
      } else {
        blockedBy.set(change.field, change.id);
        outcomes.push({
          change,
          action: r.status === 'conflict' ? 'conflict' : 'failed',
          found: r.status === 'conflict' ? r.current : restore.expected,
          reason:
            r.status === 'conflict'
              ? `left alone: ${change.field} changed to ${show(r.current)} while undoing`
              : `restore failed: ${r.reason}`,
        });
      }
    });
  }
  return outcomes;
}
