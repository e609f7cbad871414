import type { NoteType } from '../domain/policy.js';
import type { PropertyDef, PropertyValue } from '../domain/values.js';

export interface CrmUser {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly slackUserId: string | null;
}

export interface CrmDeal {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string | null;
  readonly properties: Readonly<Record<string, PropertyValue>>;
}

export interface CrmNote {
  readonly id: string;
  readonly dealId: string;
  readonly type: NoteType;
  readonly createdAt: Date;
  readonly body: string;
}

/** Set one property of one deal, but only while it still holds `expected` (compare-then-write). */
export interface PropertyWrite {
  readonly dealId: string;
  readonly property: string;
  readonly value: Exclude<PropertyValue, null>;
  readonly expected: PropertyValue;
}

export type WriteResult =
  | { readonly status: 'written' }
  | { readonly status: 'conflict'; readonly current: PropertyValue }
  | { readonly status: 'failed'; readonly reason: string };

export interface DealPage {
  readonly deals: readonly CrmDeal[];
  /** Opaque cursor for the next page, or null after the last. */
  readonly next: string | null;
}

/** Everything Scout may read from a CRM. Read-only paths are built on this alone. */
export interface CrmReader {
  readonly kind: 'local' | 'hubspot';
  listPropertyDefs(): Promise<PropertyDef[]>;
  listUsers(): Promise<CrmUser[]>;
  /** How many deals a run over `ids` (or all deals) would cover. */
  countDeals(ids?: readonly string[]): Promise<number>;
  /** Deals in a stable order, so a capped run always sees the same first deals. */
  pageDeals(options: {
    cursor: string | null;
    limit: number;
    ids?: readonly string[];
  }): Promise<DealPage>;
  /** Every note of each deal, oldest first (ties by id). */
  notesForDeals(dealIds: readonly string[]): Promise<Map<string, CrmNote[]>>;
}

/** The only ways Scout changes a CRM. Each write is compare-then-write; none ever clears a value. */
export interface CrmWriter {
  writeProperties(writes: readonly PropertyWrite[]): Promise<WriteResult[]>;
  /** Creates a property; a no-op when an identical one exists, an error when a different one does. */
  createProperty(def: PropertyDef): Promise<'created' | 'exists'>;
}

export type CrmPort = CrmReader & CrmWriter;
