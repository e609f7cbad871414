import { fieldLabel } from '../domain/for-people.js';
import type { FieldPolicy } from '../domain/policy.js';
import { isEmptyValue, type PropertyDef } from '../domain/values.js';
import { budgetNotes } from '../extraction/note-budget.js';
import { userCandidates } from '../extraction/user-candidates.js';
import type { CrmDeal, CrmNote } from './ports/crm.js';
import type { ExtractionField, ExtractionRequest } from './ports/extractor.js';
import type { Watermark } from './ports/run-ledger.js';

/** What one deal needs from the extractor in this pass, if anything. */
export interface DealPlan {
  /** Notes newer than the watermark (every note with `--rescan`): what the extractor sees and may cite. */
  readonly fresh: readonly CrmNote[];
  /** Policy fields still open for this deal. */
  readonly open: readonly FieldPolicy[];
  /** The watermark a successful live pass moves to. */
  readonly newestNote: CrmNote | null;
}

export function planDeal(input: {
  deal: CrmDeal;
  notes: readonly CrmNote[];
  mark: Watermark | undefined;
  fields: readonly FieldPolicy[];
  defs: ReadonlyMap<string, PropertyDef>;
  rescan: boolean;
}): DealPlan {
  const { deal, notes, mark, defs } = input;
  const fresh = input.rescan || !mark ? notes : notes.filter((n) => isAfter(n, mark));
  const open = input.fields.filter(
    (f) =>
      f.onFilled === 'propose' ||
      // A filled `never` field is still read for the owner's FYI (notify_owner).
      f.notifyOwner === true ||
      isEmptyValue(defs.get(f.name)?.type ?? 'text', deal.properties[f.name]),
  );
  return { fresh, open, newestNote: notes.at(-1) ?? null };
}

/** A plan with nothing to read or nothing to fill costs no model call. */
export function needsExtraction(plan: DealPlan): boolean {
  return plan.fresh.length > 0 && plan.open.length > 0;
}

/**
 * What the model sees for one deal: its open fields, the whole policy's glossary (the
 * same for every deal, so it stays in the cached prefix), its new notes within the
 * per-deal cap (newest first), and users only when a user field is open, and then only
 * the deal's candidates.
 */
export function extractionRequest(
  deal: CrmDeal,
  plan: DealPlan,
  run: {
    readonly defs: ReadonlyMap<string, PropertyDef>;
    readonly fields: readonly FieldPolicy[];
    readonly users: ExtractionRequest['users'];
  },
): ExtractionRequest {
  const { notes, leftOut } = budgetNotes(plan.fresh);
  const wantsUsers = plan.open.some((f) => run.defs.get(f.name)?.type === 'user');
  return {
    dealId: deal.id,
    dealName: deal.name,
    fields: plan.open.map((f) => toExtractionField(f, run.defs)),
    glossary: run.fields.map((f) => toExtractionField(f, run.defs)),
    notes,
    users: wantsUsers ? userCandidates({ ownerId: deal.ownerId, notes, users: run.users }) : [],
    ...(leftOut.chars > 0 ? { notesLeftOut: leftOut } : {}),
  };
}

function toExtractionField(
  f: FieldPolicy,
  defs: ReadonlyMap<string, PropertyDef>,
): ExtractionField {
  const def = defs.get(f.name);
  return {
    name: f.name,
    label: fieldLabel(f.name, f.label, def),
    type: def?.type ?? 'text',
    ...(f.description ? { description: f.description } : {}),
    ...(def?.options ? { options: def.options } : {}),
  };
}

function isAfter(note: CrmNote, mark: Watermark): boolean {
  const t = note.createdAt.getTime();
  const m = mark.noteCreatedAt.getTime();
  return t > m || (t === m && note.id > mark.noteId);
}
