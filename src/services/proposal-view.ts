import type { CrmDeal, CrmReader, CrmUser } from '../crm/crm-port.js';
import type { ProposalRow } from '../db/proposal-store.js';
import type { Policy } from '../domain/policy.js';
import type { PropertyDef } from '../domain/values.js';
import type { CardProposal, ProposalStatus } from '../slack/blocks/approval-card.js';

/** A proposal with what its card and its checks need from the CRM. */
export interface ProposalView {
  readonly row: ProposalRow;
  readonly deal: CrmDeal | null;
  readonly def: PropertyDef | null;
  readonly owner: CrmUser | null;
  readonly card: CardProposal;
}

/** Reads the deal, field definition, owner and cited note behind a proposal (read-only). */
export async function viewProposal(
  crm: CrmReader,
  policy: Policy,
  row: ProposalRow,
): Promise<ProposalView> {
  const [view] = await viewProposals(crm, policy, [row]);
  if (!view) throw new Error(`no view for proposal ${row.id}`);
  return view;
}

/** The same for many proposals in four CRM reads, however many there are. */
export async function viewProposals(
  crm: CrmReader,
  policy: Policy,
  rows: readonly ProposalRow[],
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
      fieldLabel: policy.dealFields.get(row.field)?.label ?? def?.label ?? row.field,
      fieldType: def?.type ?? 'text',
      oldValue: row.oldValue ?? null,
      newValue: row.newValue,
      editedValue: row.editedValue ?? null,
      quote: row.quote,
      noteType: note?.type ?? 'note',
      noteDate: note?.createdAt ?? null,
      confidence: row.confidence,
      status: row.status as ProposalStatus,
      decidedBy: row.decidedBy,
      decidedAt: row.decidedAt,
      outcome: row.outcome,
      undoable: row.status === 'applied' && !row.dryRun,
    };
    return { row, deal, def, owner, card };
  });
}
