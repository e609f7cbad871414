import type { Policy } from '../domain/policy.js';
import type { ProvenanceEntry } from '../domain/provenance.js';
import type { ModelUsage } from '../domain/run-summary.js';
import type { DealOutcome } from './deal-outcome.js';
import {
  addDeals,
  addUsage,
  type DealCounts,
  laneReason,
  provenanceOf,
  recordPage,
  rowBase,
  writeKey,
} from './page-record.js';
import type { CrmPort, PropertyWrite } from './ports/crm.js';
import type { DealLocks } from './ports/deal-lock.js';
import type { PageCommit, RunLedger } from './ports/run-ledger.js';
import type { IntentDraft } from './ports/write-journal.js';
import { promiseApply } from './record-decision.js';
import { writeRecorded } from './recorded-write.js';

export { type DealCounts, OBJECT } from './page-record.js';

export interface SettleDeps {
  readonly crm: Pick<CrmPort, 'kind' | 'writeProperties' | 'restoreProperties' | 'atomic'>;
  readonly ledger: Pick<RunLedger, 'commitPage' | 'journal' | 'supersedeEarlier' | 'outbox'>;
  /** The per-deal locks approved applies and undos take, held around a run's remote writes too. */
  readonly withDealLocks: DealLocks;
  readonly policy: Policy;
  readonly clock: () => Date;
  readonly newId: () => string;
}

/**
 * Settles one page of outcomes: its writes (live only) go to the CRM together with their
 * record (docs/guarantees.md#g19, see writeRecorded), and its proposals, log rows and watermarks commit
 * in that same transaction, with `extra` (a worker deal's settlement, a batch's
 * collection). The page's model usage and deal counts are added to `usage` and `deals`
 * (the caller's running totals) before `extra` is asked. Returns the rows logged.
 */
export async function settlePage(input: {
  deps: SettleDeps;
  runId: string;
  live: boolean;
  perDeal: readonly DealOutcome[];
  usage: ModelUsage;
  deals: DealCounts;
  /** What else commits with the page, asked once the writes' results are known. */
  extra?: () => Pick<PageCommit, 'settle' | 'collected' | 'progress'>;
}): Promise<readonly ProvenanceEntry[]> {
  const { deps, live } = input;
  const writes = live ? plannedWrites(input.runId, input.perDeal) : [];
  const commit = () =>
    writeRecorded({ crm: deps.crm, journal: deps.ledger.journal }, async (send) => {
      const results = await send(
        'write',
        writes,
        writes.map((w) => w.intent),
      );
      return async (tx) => {
        const page = recordPage(input, new Map(writes.map((w, n) => [w.key, results[n]])));
        // The caller's running totals include this page before `extra` reads them.
        addUsage(input.usage, page.usage);
        addDeals(input.deals, page.deals);
        const provenance = (stored: ReadonlySet<string>) => provenanceOf(page.rows, stored);
        const stored = await deps.ledger.commitPage(
          {
            proposals: page.proposals,
            watermarks: page.watermarks,
            provenance,
            // Older cards for the same fields are replaced; a dry-run decision is carried.
            beforeLog: async (stored, tx) => {
              const { decided, log } = await deps.ledger.supersedeEarlier(
                [...stored],
                deps.clock(),
                tx,
              );
              for (const d of decided) await promiseApply(deps.ledger.outbox, d, tx);
              return log;
            },
            ...input.extra?.(),
          },
          tx,
        );
        return provenance(stored);
      };
    });
  // A remote CRM's page is written and recorded under its deals' locks, as approved applies
  // and undos are: a write and another process's apply on the same deal never interleave,
  // and an intent found open under the lock belongs to a dead writer. The local CRM's row
  // locks, held to the same commit, already exclude them.
  if (writes.length === 0 || deps.crm.atomic) return commit();
  return deps.withDealLocks(
    writes.map((w) => w.dealId),
    commit,
  );
}

type PlannedWrite = PropertyWrite & { readonly key: string; readonly intent: IntentDraft };

/** The page's compare-then-writes, each with the provenance row it earns if it happens. */
function plannedWrites(runId: string, perDeal: readonly DealOutcome[]): PlannedWrite[] {
  return perDeal.flatMap((d, i) => {
    if (d.failure !== null || d.rejection !== null) return [];
    return d.judgements.flatMap((j, k): PlannedWrite[] => {
      const o = j.outcome;
      if (o.kind !== 'write') return [];
      const write = {
        dealId: d.deal.id,
        property: o.property,
        value: o.value,
        expected: o.previous,
      };
      return [
        {
          ...write,
          key: writeKey(i, k),
          intent: {
            mode: 'write',
            recordId: d.deal.id,
            property: o.property,
            expected: o.previous,
            value: o.value,
            entry: {
              ...rowBase(d, runId),
              field: o.property,
              sourceNoteId: j.noteId,
              quote: j.quote,
              confidence: j.confidence,
              repValue: d.deal.properties[j.field] ?? null,
              previousValue: o.previous,
              newValue: o.value,
              action: 'written',
              reason: laneReason(o.lane),
              dryRun: false,
            },
          },
        },
      ];
    });
  });
}
