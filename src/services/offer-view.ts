import { currencyOf, fieldLabel, valueText } from '../domain/for-people.js';
import type { Policy } from '../domain/policy.js';
import type { OfferRow } from '../domain/suggestion-offer.js';
import type { CrmDeal, CrmReader, CrmUser } from './ports/crm.js';
import type { SuggestionsMessage } from './ports/notifier.js';

/** A deal's offers of one run, with what their message needs from the CRM (read-only). */
export interface OffersView {
  readonly deal: CrmDeal | null;
  readonly owner: CrmUser | null;
  readonly message: SuggestionsMessage;
}

export async function viewOffers(
  crm: CrmReader,
  policy: Policy,
  rows: readonly OfferRow[],
): Promise<OffersView> {
  const first = rows[0];
  if (!first) throw new Error('no offers to show');
  const dealId = first.recordId;
  const [page, defs, users, notes] = await Promise.all([
    crm.pageDeals({ cursor: null, limit: 1, ids: [dealId] }),
    crm.listPropertyDefs(),
    crm.listUsers(),
    crm.notesForDeals([dealId]),
  ]);
  const deal = page.deals.find((d) => d.id === dealId) ?? null;
  const owner = users.find((u) => u.id === deal?.ownerId) ?? null;
  const names = new Map(users.map((u) => [u.id, u.name]));
  const currency = currencyOf(deal, crm.currency);
  return {
    deal,
    owner,
    message: {
      runId: first.runId,
      dealId,
      dealName: deal?.name ?? dealId,
      dryRun: first.dryRun,
      offers: rows.map((r) => {
        const def = defs.find((d) => d.name === r.field);
        const note = notes.get(dealId)?.find((n) => n.id === r.sourceNoteId) ?? null;
        return {
          id: r.id,
          version: r.version,
          label: fieldLabel(r.field, policy.dealFields.get(r.field)?.label, def),
          value:
            r.value === null
              ? ''
              : valueText(r.value, { field: r.field, def, users: names, ...currency }),
          quote: r.quote,
          noteType: note?.type ?? null,
          noteDate: note?.createdAt ?? null,
          confidence: r.confidence,
          status: r.status,
          decidedBy: r.decidedBy,
          outcome: r.outcome,
        };
      }),
    },
  };
}
