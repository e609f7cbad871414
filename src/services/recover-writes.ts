import type { ProvenanceEntry } from '../domain/provenance.js';
import { type FieldType, type PropertyValue, valuesEqual } from '../domain/values.js';
import type { IntentOutcome, IntentRow } from '../domain/write-intent.js';
import type { Logger } from '../logger.js';
import type { CrmReader } from './ports/crm.js';
import type { DealLocks } from './ports/deal-lock.js';
import type { Tx } from './ports/transaction.js';
import type { WriteJournal } from './ports/write-journal.js';

export interface RecoverDeps {
  readonly crm: Pick<CrmReader, 'pageDeals' | 'listPropertyDefs'>;
  readonly journal: WriteJournal;
  /**
   * The per-deal locks every remote write holds from its intent to its record; absent
   * when the caller holds the deals' locks already (an apply or an undo of one deal).
   */
  readonly withDealLocks?: DealLocks;
  readonly logger?: Logger;
}

/**
 * Before a page of deals is decided: a remote CRM's writes to them that died before they
 * were logged are settled first, so no decision mistakes Scout's own unlogged write for the
 * rep's value. The local CRM writes and logs in one transaction: it never has any.
 */
export async function settleBeforeDeciding(
  deps: {
    readonly crm: RecoverDeps['crm'] & { readonly atomic?: unknown };
    readonly ledger: { readonly journal: WriteJournal };
    readonly withDealLocks?: DealLocks;
    readonly logger?: Logger;
  },
  dealIds: readonly string[] | undefined,
  olderThan?: Date,
): Promise<void> {
  if (deps.crm.atomic) return;
  await recoverInterruptedWrites(
    {
      crm: deps.crm,
      journal: deps.ledger.journal,
      ...(deps.withDealLocks ? { withDealLocks: deps.withDealLocks } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    },
    { ...(dealIds ? { dealIds } : {}), ...(olderThan ? { olderThan } : {}) },
  );
}

export interface RecoveryScope {
  /** Only these deals' intents (a page about to be decided); all deals when omitted. */
  readonly dealIds?: readonly string[];
  /** Sweeps leave intents this young alone: their writer is most likely still at work. */
  readonly olderThan?: Date;
}

export interface RecoveryCounts {
  /** The CRM holds the value: the write happened and is now logged. */
  present: number;
  /** The CRM does not: logged `failed` (or, for an apply, left to its retry). */
  absent: number;
  /** Another delivery of the same work had logged it already. */
  duplicate: number;
}

const BATCH = 500;
const READ_PAGE = 100;

/**
 * Settles write intents whose writer died between the CRM request and the commit that
 * logs it (docs/guarantees.md#g19), by reading the CRM: the value is there → the write is logged, the
 * reason saying it was recovered; it is not → `failed`, interrupted before the write (an
 * approved proposal's apply stays approved, and its retry writes it). Every writer holds
 * its deals' locks from intent to record, so an intent found open under those locks has
 * no writer left; row locks with SKIP LOCKED let several recoverers run at once, each
 * intent settled by exactly one.
 */
export async function recoverInterruptedWrites(
  deps: RecoverDeps,
  scope: RecoveryScope = {},
): Promise<RecoveryCounts> {
  const counts: RecoveryCounts = { present: 0, absent: 0, duplicate: 0 };
  for (;;) {
    const open = await deps.journal.pending({
      ...(scope.dealIds ? { recordIds: scope.dealIds } : {}),
      ...(scope.olderThan ? { before: scope.olderThan } : {}),
      limit: BATCH,
    });
    if (open.length === 0) break;
    // One deal at a time: a deal's lock may cost a connection of its own (the embedded and
    // per-deal locks), so a batch of deals never holds more than one.
    let settled = 0;
    const byDeal = new Map<string, IntentRow[]>();
    for (const i of open) byDeal.set(i.recordId, [...(byDeal.get(i.recordId) ?? []), i]);
    for (const [dealId, intents] of byDeal) {
      const settle = () => settleIntents(deps, intents, counts);
      settled += deps.withDealLocks ? await deps.withDealLocks([dealId], settle) : await settle();
    }
    // Every intent of this batch was claimed by another recoverer: leave the rest to it.
    if (settled === 0 || open.length < BATCH) break;
  }
  if (counts.present + counts.absent + counts.duplicate > 0)
    deps.logger?.warn({ ...counts }, 'settled CRM writes interrupted before they were logged');
  return counts;
}

async function settleIntents(
  deps: RecoverDeps,
  open: readonly IntentRow[],
  counts: RecoveryCounts,
): Promise<number> {
  return deps.journal.transaction(async (tx) => {
    const claimed = await deps.journal.claim(
      tx,
      open.map((i) => i.id),
    );
    if (claimed.length === 0) return 0;
    const [current, types] = await Promise.all([
      currentValues(deps.crm, [...new Set(claimed.map((i) => i.recordId))]),
      deps.crm.listPropertyDefs().then((defs) => new Map(defs.map((d) => [d.name, d.type]))),
    ]);
    for (const intent of claimed) {
      const type: FieldType = types.get(intent.property) ?? 'text';
      const now = current.get(intent.recordId)?.[intent.property] ?? null;
      const outcome = await settleOne(deps, tx, intent, {
        present: valuesEqual(type, now, intent.value ?? null),
        now,
      });
      if (outcome === 'recovered_present') counts.present += 1;
      else if (outcome === 'recovered_absent') counts.absent += 1;
      else counts.duplicate += 1;
      await deps.journal.settle(tx, intent.id, outcome);
    }
    return claimed.length;
  });
}

async function settleOne(
  deps: RecoverDeps,
  tx: Tx,
  intent: IntentRow,
  crm: { present: boolean; now: PropertyValue },
): Promise<IntentOutcome> {
  const entry = intent.entry as ProvenanceEntry;
  if (crm.present) {
    if (intent.proposalId) {
      if (!(await deps.journal.finishProposal(tx, intent.proposalId)))
        return 'recovered_already_logged';
    } else if (await deps.journal.alreadyLogged(tx, entry)) return 'recovered_already_logged';
    await deps.journal.log(tx, {
      ...entry,
      reason: `recovered: the CRM holds the value, but Scout was interrupted before it logged the write; ${entry.reason ?? ''}`,
    });
    return 'recovered_present';
  }
  // An approved proposal stays approved: its apply is retried, and logs what it does then.
  if (intent.proposalId) return 'recovered_absent';
  await deps.journal.log(tx, {
    ...entry,
    action: 'failed',
    reason: `interrupted before the write: Scout stopped before the CRM confirmed it, and the CRM does not hold ${JSON.stringify(intent.value)} (it holds ${JSON.stringify(crm.now)})`,
  });
  return 'recovered_absent';
}

async function currentValues(
  crm: Pick<CrmReader, 'pageDeals'>,
  dealIds: readonly string[],
): Promise<Map<string, Readonly<Record<string, PropertyValue>>>> {
  const out = new Map<string, Readonly<Record<string, PropertyValue>>>();
  for (let i = 0; i < dealIds.length; i += READ_PAGE) {
    const ids = dealIds.slice(i, i + READ_PAGE);
    const page = await crm.pageDeals({ cursor: null, limit: ids.length, ids });
    for (const d of page.deals) out.set(d.id, d.properties);
  }
  return out;
}
