import type { DealHistoryReader } from '../db/deal-history-reader.js';
import type { Policy } from '../domain/policy.js';
import type { CrmReader, CrmWriter } from '../services/ports/crm.js';
import type { NarratorPort } from './narrative.js';

/**
 * A CRM reader that provably carries no write method: a full `CrmPort` does not fit
 * this type (its `writeProperties` is not `never`), so it cannot be handed over by mistake.
 */
export type ReadOnlyCrm = CrmReader & { readonly [K in keyof CrmWriter]?: never };

/** Copies only the read methods of a CRM port into a fresh object (docs/guarantees.md#g16). */
export function readOnlyCrm(crm: CrmReader): ReadOnlyCrm {
  return {
    kind: crm.kind,
    listPropertyDefs: () => crm.listPropertyDefs(),
    listUsers: () => crm.listUsers(),
    countDeals: (ids) => crm.countDeals(ids),
    pageDeals: (options) => crm.pageDeals(options),
    notesForDeals: (ids) => crm.notesForDeals(ids),
    dealUrl: (id) => crm.dealUrl?.(id) ?? null,
  };
}

/** Where a message of Scout's lives in Slack, as a link (`chat.getPermalink`). */
export interface PermalinkPort {
  permalink(channel: string, ts: string): Promise<string | null>;
}

/**
 * Everything `/deal-summary` is built from. Every member only reads: the CRM through
 * {@link ReadOnlyCrm}, Scout's log and proposals through {@link DealHistoryReader} (on
 * a select-only handle), Slack only to turn a card's channel and ts into a link.
 */
export interface DealSummaryPorts {
  readonly crm: ReadOnlyCrm;
  readonly history: DealHistoryReader;
  readonly policy: Policy;
  readonly clock: () => Date;
  /** The deal's page in the CRM, when the adapter knows how to link to it. */
  readonly dealUrl?: (dealId: string) => string | null;
  /** Claude's "what changed" narrative; absent without a key or when the policy does not enable it. */
  readonly narrator?: NarratorPort;
}
