import { currencyOf, fieldLabel } from '../domain/for-people.js';
import type { Policy } from '../domain/policy.js';
import type { ProposalRow } from '../domain/proposal.js';
import type { PropertyDef } from '../domain/values.js';
import type { CrmDeal, CrmReader, CrmUser } from './ports/crm.js';
import type { CardProposal } from './ports/notifier.js';

/** A proposal with what its card and its checks need from the CRM. */
export interface ProposalView {
  readonly row: ProposalRow;
  readonly deal: CrmDeal | null;
  readonly def: PropertyDef | null;
  readonly owner: CrmUser | null;
  readonly card: CardProposal;
}

/** How long after its approval an applied change can be undone from its card. */
export interface UndoWindow {
  /** SCOUT_UNDO_WINDOW_HOURS; 0 turns undo from Slack off. */
  readonly hours: number;
  readonly now: Date;
}

/** Whether the Undo button still works for a change approved at `decidedAt`. */
export function undoWindowOpen(decidedAt: Date | null, window: UndoWindow): boolean {
  const from = (decidedAt ?? window.now).getTime();
  return window.hours > 0 && from + window.hours * 3_600_000 > window.now.getTime();
}

/**
 * Reads the deal, field definition, owner and cited note behind a proposal (read-only).
 * With `undoWindow`, an applied card offers Undo only while the window is open.
 */
export async function viewProposal(
  crm: CrmReader,
  policy: Policy,
  row: ProposalRow,
  undoWindow?: UndoWindow,
): Promise<ProposalView> {
  const [view] = await viewProposals(crm, policy, [row], undoWindow);
  if (!view) throw new Error(`no view for proposal ${row.id}`);
  return view;
}

/** The same for many proposals in four CRM reads, however many there are. */
export async function viewProposals(
  crm: CrmReader,
  policy: Policy,
  rows: readonly ProposalRow[],
  undoWindow?: UndoWindow,
): Promise<ProposalView[]> {
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.map((r) => r.recordId))];
  const [page, defs, users, notes] = await Promise.all([
    crm.pageDeals({ cursor: null, limit: ids.length, ids }),
    crm.listPropertyDefs(),
    crm.listUsers(),
    crm.notesForDeals(ids),
  ]);
  const deals = new Map(page.deals.map((d) => [d.id, d]));
  return rows.map((row) => {
    const deal = deals.get(row.recordId) ?? null;
    const def = defs.find((d) => d.name === row.field) ?? null;
    const owner = users.find((u) => u.id === deal?.ownerId) ?? null;
    const note = notes.get(row.recordId)?.find((n) => n.id === row.sourceNoteId) ?? null;
    const card: CardProposal = {
      id: row.id,
      version: row.version,
      runId: row.runId,
      dryRun: row.dryRun,
      dealName: deal?.name ?? row.recordId,
      dealUrl: crm.dealUrl?.(row.recordId) ?? null,
      fieldLabel: fieldLabel(row.field, policy.dealFields.get(row.field)?.label, def),
      fieldType: def?.type ?? 'text',
      oldValue: row.oldValue ?? null,
      newValue: row.newValue,
      editedValue: row.editedValue ?? null,
      quote: row.quote,
      noteType: note?.type ?? 'note',
      noteDate: note?.createdAt ?? null,
      confidence: row.confidence,
      rejectReason: row.rejectReason,
      rejectNote: row.rejectNote,
      status: row.status,
      decidedBy: row.decidedBy,
      decidedAt: row.decidedAt,
      outcome: row.outcome,
      screened: row.screenReason !== null,
      carried: row.carriedFrom !== null,
      undoable:
        row.status === 'applied' &&
        !row.dryRun &&
        (undoWindow === undefined || undoWindowOpen(row.decidedAt, undoWindow)),
      ...(def?.type === 'user'
        ? { userNames: Object.fromEntries(users.map((u) => [u.id, u.name])) }
        : {}),
      field: row.field,
      ...(def?.optionLabels ? { optionLabels: def.optionLabels } : {}),
      ...currencyOf(deal, crm.currency),
    };
    return { row, deal, def, owner, card };
  });
}
