import type { NoteType } from '../../domain/policy.js';
import type { PropertyDef, PropertyValue } from '../../domain/values.js';
import type { Tx } from './transaction.js';

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

/**
 * Undo only (docs/guarantees.md#g15): put back a value recorded before Scout's write, `null` clearing
 * the property, and only while it still holds `expected` (what Scout wrote).
 */
export interface PropertyRestore {
  readonly dealId: string;
  readonly property: string;
  readonly value: PropertyValue;
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
  readonly kind: 'local' | 'hubspot' | 'salesforce';
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
  /** Where a person opens the deal in the CRM's own pages (from SCOUT_DEAL_URL), when known. */
  dealUrl?(dealId: string): string | null;
  /** The currency of amounts when a deal does not name its own (SCOUT_CURRENCY). */
  readonly currency?: string;
}

/** The only ways Scout changes a CRM. Each write is compare-then-write; none ever clears a value. */
export interface CrmWriter {
  writeProperties(writes: readonly PropertyWrite[]): Promise<WriteResult[]>;
  /**
   * Compare-then-write back to recorded values, clearing included; the one path that may
   * clear, used by undo alone. Optional while an adapter lacks it: undo then restores
   * non-empty values through `writeProperties` and reports a clear as failed.
   */
  restoreProperties?(restores: readonly PropertyRestore[]): Promise<WriteResult[]>;
  /** Creates a property; a no-op when an identical one exists, an error when a different one does. */
  createProperty(def: PropertyDef): Promise<'created' | 'exists'>;
  /** CRMs that file properties in groups (HubSpot): the group Scout's properties go in. */
  readonly propertyGroup?: {
    readonly name: string;
    exists(): Promise<boolean>;
    create(): Promise<'created' | 'exists'>;
  };
  /** Remote CRMs: API requests this client has sent so far, retries included. */
  apiCalls?(): number;
  /**
   * Warnings for the run summary gathered since the last call (Salesforce: deal paging
   * stopped to keep the org's daily API reserve). An adapter that ends a run early says so here.
   */
  takeWarnings?(): string[];
  /**
   * A CRM kept in Scout's own database (the local CRM): its compare-then-writes run inside
   * the caller's transaction, so a write and its provenance rows commit together or not at
   * all (docs/guarantees.md#g19). CRMs without it are written through write-ahead intents instead.
   */
  readonly atomic?: AtomicCrmWriter;
}

/** Compare-then-write inside a transaction of Scout's own database (see `CrmWriter.atomic`). */
export interface AtomicCrmWriter {
  writeProperties(tx: Tx, writes: readonly PropertyWrite[]): Promise<WriteResult[]>;
  restoreProperties(tx: Tx, restores: readonly PropertyRestore[]): Promise<WriteResult[]>;
}

export type CrmPort = CrmReader & CrmWriter;
