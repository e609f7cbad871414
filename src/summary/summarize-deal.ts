import type { HistoryRow, PendingProposal, ScanInfo } from '../db/deal-history-reader.js';
import { currencyOf, fieldLabel, type ValueSources } from '../domain/for-people.js';
import type { FieldPolicy, NoteType, WriteMode } from '../domain/policy.js';
import {
  type FieldType,
  type PropertyDef,
  type PropertyValue,
  suggestionProperty,
} from '../domain/values.js';
import type { CrmDeal, CrmNote, CrmUser } from '../services/ports/crm.js';
import { type DealName, type LookupResult, lookupDeal, normalizeName } from './deal-lookup.js';
import { explainValue, type Why, type WhyRow } from './explain-field.js';
import { gateNarrative, type NarrativeSentence } from './narrative.js';
import type { DealSummaryPorts } from './summary-ports.js';

const PAGE = 200;

/** A note a quote came from, as the answer names it. */
export interface NoteRef {
  readonly id: string;
  readonly type: NoteType;
  readonly createdAt: Date;
}

export interface FieldRow {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  readonly write: WriteMode;
  readonly repValue: PropertyValue;
  /** Scout's suggestion (`scout_<field>`) for `suggest` fields; undefined where the field has none. */
  readonly suggestion: PropertyValue | undefined;
  readonly pending: readonly PropertyValue[];
  readonly why: Why | null;
  readonly suggestionWhy: Why | null;
  readonly hasHistory: boolean;
}

export interface PendingItem extends PendingProposal {
  readonly label: string;
}

export interface DealSummary {
  readonly deal: {
    readonly id: string;
    readonly name: string;
    readonly url: string | null;
    readonly stage: PropertyValue;
    readonly amount: PropertyValue;
    readonly owner: string | null;
    readonly closeDate: PropertyValue;
  };
  readonly fields: readonly FieldRow[];
  readonly notes: ReadonlyMap<string, NoteRef>;
  /** How values are shown: option labels, users' names, the deal's currency. */
  readonly values: ValueSources;
  readonly coverage: { readonly latest: ScanInfo | null; readonly latestLive: ScanInfo | null };
  readonly pending: readonly PendingItem[];
  /** Null when no narrative was asked for or none could be made; sentences passed the citation gate. */
  readonly narrative: {
    readonly since: Date;
    readonly sentences: readonly NarrativeSentence[];
    readonly dropped: number;
  } | null;
  readonly generatedAt: Date;
}

export interface FieldHistory {
  readonly deal: { readonly id: string; readonly name: string; readonly url: string | null };
  readonly field: { readonly name: string; readonly label: string; readonly type: FieldType };
  readonly rows: readonly HistoryRow[];
  readonly notes: ReadonlyMap<string, NoteRef>;
  readonly values: ValueSources;
}

/** Finds the deal a manager means: an id in one read, else the names of every deal, a page at a time. */
export async function findDeal(ports: DealSummaryPorts, query: string): Promise<LookupResult> {
  const q = query.trim();
  // A CRM may refuse text that cannot be one of its ids (HubSpot's are numbers): then it is a name.
  const direct = await ports.crm
    .pageDeals({ cursor: null, limit: 1, ids: [q] })
    .catch(() => ({ deals: [] }));
  const hit = direct.deals[0];
  if (hit) return { kind: 'one', deal: { id: hit.id, name: hit.name } };
  return lookupDeal(await dealNames(ports), q);
}

/** How long the deal names read for one lookup serve the next ones (a new deal is findable by id at once). */
export const NAME_INDEX_TTL_MS = 60_000;
const nameIndexes = new WeakMap<object, { at: number; names: Promise<DealName[]> }>();

/**
 * Every deal's id and name, a page at a time. Kept for a minute per CRM reader so a
 * busy channel does not page through a large CRM (and its API budget) for every lookup.
 */
function dealNames(ports: DealSummaryPorts): Promise<DealName[]> {
  const now = ports.clock().getTime();
  const cached = nameIndexes.get(ports.crm);
  if (cached && now - cached.at < NAME_INDEX_TTL_MS) return cached.names;
  const names = (async () => {
    const out: DealName[] = [];
    let cursor: string | null = null;
    do {
      const page = await ports.crm.pageDeals({ cursor, limit: PAGE });
      for (const d of page.deals) out.push({ id: d.id, name: d.name });
      cursor = page.next;
    } while (cursor !== null);
    return out;
  })();
  nameIndexes.set(ports.crm, { at: now, names });
  // A failed read is not kept: the next lookup tries again.
  names.catch(() => {
    if (nameIndexes.get(ports.crm)?.names === names) nameIndexes.delete(ports.crm);
  });
  return names;
}

async function readDeal(ports: DealSummaryPorts, dealId: string): Promise<CrmDeal | null> {
  const page = await ports.crm.pageDeals({ cursor: null, limit: 1, ids: [dealId] });
  return page.deals[0] ?? null;
}

/** The fields a summary shows as rows: every policy field Scout may act on. */
export function qualificationFields(ports: DealSummaryPorts): FieldPolicy[] {
  return [...ports.policy.dealFields.values()].filter((f) => f.write !== 'never');
}

function labelOf(f: FieldPolicy | undefined, def: PropertyDef | undefined, name: string): string {
  return fieldLabel(name, f?.label, def);
}

function valueSources(
  deal: CrmDeal,
  defs: readonly PropertyDef[],
  users: readonly CrmUser[],
  crmCurrency: string | undefined,
): ValueSources {
  return {
    defs: new Map(defs.map((d) => [d.name, d])),
    users: new Map(users.map((u) => [u.id, u.name])),
    ...currencyOf(deal, crmCurrency),
  };
}

function noteRefs(notes: readonly CrmNote[]): Map<string, NoteRef> {
  return new Map(notes.map((n) => [n.id, { id: n.id, type: n.type, createdAt: n.createdAt }]));
}

function whyRows(rows: readonly HistoryRow[], property: string): WhyRow[] {
  return rows
    .filter((r) => r.field === property)
    .map((r) => ({
      id: r.id,
      action: r.action,
      newValue: r.newValue ?? null,
      previousValue: r.previousValue ?? null,
      sourceNoteId: r.sourceNoteId,
      quote: r.quote,
      confidence: r.confidence,
      actor: r.actor,
      dryRun: r.dryRun,
      proposalId: r.proposalId,
      createdAt: r.createdAt,
    }));
}

/**
 * Everything the answer shows about one deal, read-only: the CRM's values, Scout's
 * suggestions and pending proposals, the row behind each value, the last scan, and
 * (when a narrator is configured and asked for) a narrative that passed the citation gate.
 */
export async function summarizeDeal(
  ports: DealSummaryPorts,
  dealId: string,
  options: { narrative: boolean; onNarrativeError?: (error: unknown) => void },
): Promise<DealSummary | null> {
  const deal = await readDeal(ports, dealId);
  if (!deal) return null;
  const fields = qualificationFields(ports);
  const properties = fields.flatMap((f) => [f.name, suggestionProperty(f.name)]);
  const [defs, users, notesByDeal, rows, pending, coverage] = await Promise.all([
    ports.crm.listPropertyDefs(),
    ports.crm.listUsers(),
    ports.crm.notesForDeals([deal.id]),
    ports.history.rowsFor(deal.id, properties),
    ports.history.pending(deal.id),
    ports.history.lastScans(deal.id),
  ]);
  const notes = notesByDeal.get(deal.id) ?? [];
  const defOf = new Map(defs.map((d) => [d.name, d]));
  const value = (name: string): PropertyValue => deal.properties[name] ?? null;
  const rowsOf = (name: string) => rows.filter((r) => r.field === name);
  const fieldRows: FieldRow[] = fields.map((f) => {
    const def = defOf.get(f.name);
    const type = def?.type ?? 'text';
    const suggestionName = suggestionProperty(f.name);
    const suggestion = f.write === 'suggest' ? value(suggestionName) : undefined;
    return {
      name: f.name,
      label: labelOf(f, def, f.name),
      type,
      write: f.write,
      repValue: value(f.name),
      suggestion,
      pending: pending.filter((p) => p.field === f.name).map((p) => p.newValue as PropertyValue),
      why: explainValue(whyRows(rows, f.name), type, value(f.name)),
      suggestionWhy:
        suggestion === undefined
          ? null
          : explainValue(whyRows(rows, suggestionName), type, suggestion),
      hasHistory: rowsOf(f.name).length > 0 || rowsOf(suggestionName).length > 0,
    };
  });
  const now = ports.clock();
  let narrative: DealSummary['narrative'] = null;
  if (options.narrative && ports.narrator) {
    const since = new Date(now.getTime() - ports.policy.dealSummary.narrativeDays * 86_400_000);
    const recent = notes.filter((n) => n.createdAt >= since);
    if (recent.length > 0) {
      try {
        const answer = await ports.narrator.narrate({ dealName: deal.name, since, notes: recent });
        const gated = gateNarrative(answer, recent);
        narrative = { since, sentences: gated.sentences, dropped: gated.dropped.length };
      } catch (error) {
        // The structured answer stands alone when Claude cannot be reached.
        options.onNarrativeError?.(error);
      }
    }
  }
  const owner = users.find((u) => u.id === deal.ownerId);
  return {
    deal: {
      id: deal.id,
      name: deal.name,
      url: ports.dealUrl?.(deal.id) ?? null,
      stage: value('dealstage'),
      amount: value('amount'),
      owner: owner?.name ?? deal.ownerId,
      closeDate: value('closedate'),
    },
    fields: fieldRows,
    notes: noteRefs(notes),
    values: valueSources(deal, defs, users, ports.crm.currency),
    coverage,
    pending: pending.map((p) => ({
      ...p,
      label: labelOf(ports.policy.dealFields.get(p.field), defOf.get(p.field), p.field),
    })),
    narrative,
    generatedAt: now,
  };
}

/**
 * A field named as a manager would type it: its name, its `scout_` suggestion, or its
 * label, in any case and with or without accents. Only fields the summary shows.
 */
export function resolveField(ports: DealSummaryPorts, typed: string): FieldPolicy | null {
  const wanted = normalizeName(typed.replace(/^scout_/i, '').replace(/_/g, ' '));
  return (
    qualificationFields(ports).find(
      (f) =>
        normalizeName(f.name.replace(/_/g, ' ')) === wanted ||
        (f.label !== undefined && normalizeName(f.label) === wanted),
    ) ?? null
  );
}

/** Every provenance row of one field and its suggestion: proposals, decisions, writes, undos. */
export async function fieldHistory(
  ports: DealSummaryPorts,
  dealId: string,
  field: FieldPolicy,
): Promise<FieldHistory | null> {
  const deal = await readDeal(ports, dealId);
  if (!deal) return null;
  const [defs, users, notesByDeal, rows] = await Promise.all([
    ports.crm.listPropertyDefs(),
    ports.crm.listUsers(),
    ports.crm.notesForDeals([deal.id]),
    ports.history.rowsFor(deal.id, [field.name, suggestionProperty(field.name)]),
  ]);
  const def = defs.find((d) => d.name === field.name);
  return {
    deal: { id: deal.id, name: deal.name, url: ports.dealUrl?.(deal.id) ?? null },
    field: { name: field.name, label: labelOf(field, def, field.name), type: def?.type ?? 'text' },
    rows,
    notes: noteRefs(notesByDeal.get(deal.id) ?? []),
    values: valueSources(deal, defs, users, ports.crm.currency),
  };
}
