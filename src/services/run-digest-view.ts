import type { Action } from '../domain/actions.js';
import type { Policy } from '../domain/policy.js';
import type { RunSummary } from '../domain/run-summary.js';
import { AGENT_PREFIX } from '../domain/values.js';
import type { CrmDeal, CrmReader } from './ports/crm.js';
import type { RunDigestReader } from './ports/run-digest.js';

/** Deals named in the ops summary; the rest are counted ("and N more"). */
export const NAMED_DEALS = 10;

/** Ids per CRM read: HubSpot's batch read takes 100. */
const PAGE = 100;

/** What the ops summary says a run did, in names people know (slack/blocks/run-summary-message.ts shows it). */
export interface RunDigest {
  /** Deals the run changed (or would have), first changed first, at most NAMED_DEALS, with their fields' labels. */
  readonly deals: ReadonlyArray<{ readonly name: string; readonly fields: readonly string[] }>;
  /** Every deal the run changed (or would have), named or not. */
  readonly dealCount: number;
  /** Who has the run's cards waiting, most first; `person` null when nobody could be named. */
  readonly waiting: ReadonlyArray<{ readonly person: string | null; readonly cards: number }>;
}

/** The log actions that count as a change of a deal, by the kind and mode of the run. */
function changeActions(s: Pick<RunSummary, 'mode' | 'undo'>): Action[] {
  if (s.undo) return [s.mode === 'live' ? 'undone' : 'would_undo'];
  return s.mode === 'live' ? ['written', 'applied'] : ['would_write', 'would_apply'];
}

/**
 * Reads the run's changed deals and waiting cards and names them: deals by their CRM
 * name, fields by their policy label, people by the CRM user behind the card's Slack
 * user (else the deal's owner). Read-only; a handful of CRM reads whatever the run's size.
 */
export async function viewRunDigest(
  reader: RunDigestReader,
  crm: CrmReader,
  policy: Policy,
  summary: Pick<RunSummary, 'run_id' | 'mode' | 'undo'>,
): Promise<RunDigest> {
  const [changes, waiting, users, defs] = await Promise.all([
    reader.changes(summary.run_id, changeActions(summary)),
    reader.waiting(summary.run_id),
    crm.listUsers(),
    crm.listPropertyDefs(),
  ]);
  const fieldsByDeal = new Map<string, string[]>();
  for (const c of changes)
    fieldsByDeal.set(c.recordId, [...(fieldsByDeal.get(c.recordId) ?? []), c.field]);
  const named = [...fieldsByDeal.keys()].slice(0, NAMED_DEALS);
  const bySlackId = new Map(users.filter((u) => u.slackUserId).map((u) => [u.slackUserId, u.name]));
  const unnamedCards = waiting.filter((w) => !w.ownerSlackId || !bySlackId.has(w.ownerSlackId));
  const deals = await readDeals(crm, [
    ...new Set([...named, ...unnamedCards.map((w) => w.recordId)]),
  ]);
  const label = (field: string): string => {
    const base = field.startsWith(AGENT_PREFIX) ? field.slice(AGENT_PREFIX.length) : field;
    const text =
      policy.dealFields.get(base)?.label ?? defs.find((d) => d.name === base)?.label ?? base;
    return base === field ? text : `${text} (suggestion)`;
  };
  const cards = new Map<string | null, number>();
  for (const w of waiting) {
    const owner = users.find((u) => u.id === deals.get(w.recordId)?.ownerId);
    const person =
      (w.ownerSlackId ? bySlackId.get(w.ownerSlackId) : undefined) ?? owner?.name ?? null;
    cards.set(person, (cards.get(person) ?? 0) + w.count);
  }
  return {
    deals: named.map((id) => ({
      name: deals.get(id)?.name ?? 'a deal no longer in the CRM',
      fields: [...new Set((fieldsByDeal.get(id) ?? []).map(label))],
    })),
    dealCount: fieldsByDeal.size,
    waiting: [...cards]
      .map(([person, n]) => ({ person, cards: n }))
      .sort((a, b) => b.cards - a.cards || (a.person ?? '~').localeCompare(b.person ?? '~')),
  };
}

async function readDeals(crm: CrmReader, ids: readonly string[]): Promise<Map<string, CrmDeal>> {
  const deals = new Map<string, CrmDeal>();
  for (let i = 0; i < ids.length; i += PAGE) {
    const slice = ids.slice(i, i + PAGE);
    const page = await crm.pageDeals({ cursor: null, limit: slice.length, ids: slice });
    for (const d of page.deals) deals.set(d.id, d);
  }
  return deals;
}
