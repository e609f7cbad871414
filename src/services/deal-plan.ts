import type { CrmDeal, CrmNote } from '../crm/crm-port.js';
import type { Watermark } from '../db/run-ledger.js';
import type { FieldPolicy } from '../domain/policy.js';
import { isEmptyValue, type PropertyDef } from '../domain/values.js';
import type { ExtractionField, ExtractionRequest } from '../extraction/extractor-port.js';

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
      isEmptyValue(defs.get(f.name)?.type ?? 'text', deal.properties[f.name]),
  );
  return { fresh, open, newestNote: notes.at(-1) ?? null };
}

/** A plan with nothing to read or nothing to fill costs no model call. */
export function needsExtraction(plan: DealPlan): boolean {
  return plan.fresh.length > 0 && plan.open.length > 0;
}

export function extractionRequest(
  deal: CrmDeal,
  plan: DealPlan,
  defs: ReadonlyMap<string, PropertyDef>,
  users: ExtractionRequest['users'],
): ExtractionRequest {
  return {
    dealId: deal.id,
    dealName: deal.name,
    fields: plan.open.map((f) => toExtractionField(f, defs)),
    notes: plan.fresh,
    users: plan.open.some((f) => defs.get(f.name)?.type === 'user') ? users : [],
  };
}

function toExtractionField(
  f: FieldPolicy,
  defs: ReadonlyMap<string, PropertyDef>,
): ExtractionField {
  const def = defs.get(f.name);
  return {
    name: f.name,
    label: f.label ?? def?.label ?? f.name,
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
