import type { Action } from '../domain/actions.js';
import type { Policy } from '../domain/policy.js';
import type { ProvenanceEntry } from '../domain/provenance.js';
import type { OfferEnd, OfferRow } from '../domain/suggestion-offer.js';
import { isEmptyValue, type PropertyValue, valuesEqual } from '../domain/values.js';
import { resolveWriteGates } from '../domain/write-gates.js';
import type { CrmPort, WriteResult } from './ports/crm.js';
import type { DealLock } from './ports/deal-lock.js';
import type { SuggestionStore } from './ports/suggestion-store.js';
import type { WriteJournal } from './ports/write-journal.js';
import { writeRecorded } from './recorded-write.js';
import { recoverInterruptedWrites } from './recover-writes.js';

export interface PromoteDeps {
  readonly crm: CrmPort;
  readonly suggestions: SuggestionStore;
  readonly journal: WriteJournal;
  readonly policy: Policy;
  readonly liveWrites: string | undefined;
  readonly isPaused: () => Promise<boolean>;
  /** The per-deal lock approved applies and undos take around a remote compare-then-write. */
  readonly withDealLock: DealLock;
}

/**
 * Copies a claimed suggestion into its rep-owned field (docs/guarantees.md#g23): only while that field
 * is still empty (compare-then-write: a field filled meanwhile is left alone and the offer
 * says what it holds), only through the write gates (else `would_promote`), and
 * only while the policy keeps the field in the suggest lane. The write and its `promoted`
 * row never come apart (the one write path, writeRecorded), and `scout undo` reverts it.
 */
export async function promoteSuggestion(deps: PromoteDeps, offerId: string) {
  const first = await deps.suggestions.get(offerId);
  if (!first) return null;
  return deps.withDealLock(first.recordId, async () => {
    // An earlier attempt's write that died before its record is settled first.
    if (!deps.crm.atomic)
      await recoverInterruptedWrites(
        { crm: deps.crm, journal: deps.journal },
        { dealIds: [first.recordId] },
      );
    const row = await deps.suggestions.get(offerId);
    if (row?.status !== 'promoting') return row;
    const finish = (status: OfferEnd, action: Action, outcome: string | null, reason: string) =>
      deps.suggestions.finish(row.id, status, outcome, logOf(row, action, reason, null));
    if (deps.policy.dealFields.get(row.field)?.write !== 'suggest')
      return finish(
        'failed',
        'failed',
        `the field policy no longer offers ${row.field} as a suggestion`,
        `not promoted: the field policy no longer offers ${row.field} as a suggestion`,
      );
    const [page, defs] = await Promise.all([
      deps.crm.pageDeals({ cursor: null, limit: 1, ids: [row.recordId] }),
      deps.crm.listPropertyDefs(),
    ]);
    const deal = page.deals.find((d) => d.id === row.recordId);
    if (!deal)
      return finish(
        'failed',
        'failed',
        'the deal no longer exists in the CRM',
        'not promoted: the deal no longer exists in the CRM',
      );
    const type = defs.find((d) => d.name === row.field)?.type ?? 'text';
    const current = deal.properties[row.field] ?? null;
    if (!isEmptyValue(type, current)) {
      const holds = `it holds ${JSON.stringify(current)} now`;
      return deps.suggestions.finish(
        row.id,
        'filled',
        valuesEqual(type, current, row.value) ? 'it already holds this value' : holds,
        logOf(row, 'skipped', `not promoted: the field is no longer empty; ${holds}`, current),
      );
    }
    const gates = resolveWriteGates({
      applyRequested: !row.dryRun,
      liveWritesEnv: deps.liveWrites,
      paused: await deps.isPaused(),
    });
    if (!gates.open) {
      const why = row.dryRun
        ? 'the suggestion came from a dry run'
        : gates.warnings.join('; ') || 'a lock is closed';
      return deps.suggestions.finish(row.id, 'would_promote', why, {
        ...logOf(
          row,
          'would_promote',
          `would promote ${JSON.stringify(row.value)}: ${why}`,
          current,
        ),
        dryRun: true,
      });
    }
    const promoted = `promoted from Slack by ${row.decidedBy}`;
    const value = row.value as Exclude<PropertyValue, null>;
    return writeRecorded({ crm: deps.crm, journal: deps.journal }, async (send) => {
      const [result] = await send(
        'write',
        [{ dealId: row.recordId, property: row.field, value, expected: current }],
        [
          {
            mode: 'write',
            recordId: row.recordId,
            property: row.field,
            expected: current,
            value,
            entry: logOf(row, 'promoted', promoted, current),
          },
        ],
      );
      const [status, action, outcome, reason] = outcomeOf(result, promoted);
      return (tx) =>
        deps.suggestions.finish(row.id, status, outcome, logOf(row, action, reason, current), tx);
    });
  });
}

/** What the CRM's answer to a promotion means: the offer's end, its action, outcome and reason. */
function outcomeOf(
  result: WriteResult | undefined,
  promoted: string,
): [OfferEnd, Action, string | null, string] {
  if (result?.status === 'written') return ['promoted', 'promoted', null, promoted];
  if (result?.status === 'conflict') {
    const why = `it holds ${JSON.stringify(result.current)} now`;
    return ['filled', 'skipped', why, `not promoted: the field changed while promoting; ${why}`];
  }
  const why = result?.status === 'failed' ? result.reason : 'the CRM gave no result';
  return ['failed', 'failed', why, `promotion failed: ${why}`];
}

/** A provenance row about an offer, carrying the suggestion's evidence. */
export function logOf(
  row: OfferRow,
  action: Action,
  reason: string,
  previous: PropertyValue,
): ProvenanceEntry {
  return {
    runId: row.runId,
    object: 'deal',
    recordId: row.recordId,
    field: row.field,
    action,
    reason,
    previousValue: previous,
    newValue: row.value,
    sourceNoteId: row.sourceNoteId,
    quote: row.quote,
    model: row.model,
    confidence: row.confidence,
    actor: `slack:${row.decidedBy ?? 'unknown'}`,
    dryRun: row.dryRun,
  };
}
