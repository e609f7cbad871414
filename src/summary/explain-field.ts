import type { Action } from '../domain/actions.js';
import { type FieldType, type PropertyValue, valuesEqual } from '../domain/values.js';

/** The parts of a provenance row that explain a value. */
export interface WhyRow {
  readonly id: number;
  readonly action: Action | string;
  readonly newValue: PropertyValue | undefined;
  readonly previousValue: PropertyValue | undefined;
  readonly sourceNoteId: string | null;
  readonly quote: string | null;
  readonly confidence: number | null;
  readonly actor: string;
  readonly dryRun: boolean;
  readonly proposalId: string | null;
  readonly createdAt: Date;
}

/** Why a property holds its current value, from the latest row that changed it. */
export type Why =
  | {
      readonly kind: 'scout';
      readonly action: 'written' | 'applied';
      readonly at: Date;
      readonly quote: string | null;
      readonly noteId: string | null;
      readonly confidence: number | null;
      /** The Slack user who approved (applied rows); null for a write without a person. */
      readonly approvedBy: string | null;
      readonly edited: boolean;
    }
  | {
      readonly kind: 'undo';
      readonly at: Date;
      readonly actor: string;
      readonly undoneValue: PropertyValue;
    }
  | {
      readonly kind: 'rep';
      /** Scout's last change to this property, when the value differs from it (someone changed it since). */
      readonly after: { readonly value: PropertyValue; readonly at: Date } | null;
    };

const CHANGES = new Set<string>(['written', 'applied', 'undone']);

/** `slack:U123` → `U123`; any other actor (agent, cli) → null. */
export function slackUserOf(actor: string): string | null {
  const m = /^slack:([UW][A-Z0-9]+)$/.exec(actor);
  return m?.[1] ?? null;
}

/**
 * Explains a current value from the property's rows (oldest first). Only live changes
 * count: dry-run rows wrote nothing. The newest live change decides: if it set this very
 * value, Scout (or an undo) put it there; if not, or if there is none, a person did.
 * Null for an empty value (nothing to explain).
 */
export function explainValue(
  rows: readonly WhyRow[],
  type: FieldType,
  value: PropertyValue,
): Why | null {
  if (valuesEqual(type, value, null)) return null;
  const last = [...rows].reverse().find((r) => !r.dryRun && CHANGES.has(r.action));
  if (!last) return { kind: 'rep', after: null };
  if (!valuesEqual(type, last.newValue ?? null, value))
    return { kind: 'rep', after: { value: last.newValue ?? null, at: last.createdAt } };
  if (last.action === 'undone')
    return {
      kind: 'undo',
      at: last.createdAt,
      actor: last.actor,
      undoneValue: last.previousValue ?? null,
    };
  const decision = last.proposalId
    ? [...rows]
        .reverse()
        .find(
          (r) =>
            r.proposalId === last.proposalId &&
            (r.action === 'approved' || r.action === 'edited') &&
            r.id < last.id,
        )
    : undefined;
  return {
    kind: 'scout',
    action: last.action === 'applied' ? 'applied' : 'written',
    at: last.createdAt,
    quote: last.quote,
    noteId: last.sourceNoteId,
    confidence: last.confidence,
    approvedBy: last.action === 'applied' ? slackUserOf(decision?.actor ?? last.actor) : null,
    edited: decision?.action === 'edited',
  };
}
