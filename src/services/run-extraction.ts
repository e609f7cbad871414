import pLimit from 'p-limit';
import type { RunSummary } from '../domain/run-summary.js';
import { ScoutError } from '../errors.js';
import {
  type DealOutcome,
  failedExtraction,
  judgeExtraction,
  notExtracted,
} from './deal-outcome.js';
import { extractionRequest, needsExtraction, planDeal } from './deal-plan.js';
import type { WatchOverturns } from './overturn-watch.js';
import type { CrmDeal, CrmNote } from './ports/crm.js';
import type { ExtractorPort } from './ports/extractor.js';
import type { PageContext } from './ports/run-ledger.js';
import type { SecondOpinionPort } from './ports/second-opinion.js';
import { settleBeforeDeciding } from './recover-writes.js';
import { finishRunCost, observeExtraction, watchRunCost } from './run-cost-watch.js';
import { failRun } from './run-lifecycle.js';
import {
  beginRun,
  commitOutcomes,
  finishRun,
  OBJECT,
  type RunDeps,
  type RunOptions,
  type RunState,
} from './run-state.js';
import { askSecondOpinion } from './second-opinion-pass.js';

export type { RunOptions };

export interface RunExtractionDeps extends RunDeps {
  readonly extractor: ExtractorPort;
  /** Deals extracted at once (model calls in flight). */
  readonly concurrency?: number;
  /** Logs values reps overturned, from the deals each page read (docs/guarantees.md#g26). */
  readonly watchOverturns?: WatchOverturns;
  /** The injection screen's optional second opinion on auto writes (SCOUT_SCREEN_SECOND_OPINION). */
  readonly secondOpinion?: SecondOpinionPort;
}

/**
 * One extraction pass (the pipeline in SPEC): page through deals, extract from notes
 * newer than each deal's watermark, judge every finding, write only through the write gates,
 * store proposals, and log every decision. Returns the run summary.
 */
export async function runExtraction(
  deps: RunExtractionDeps,
  options: RunOptions,
): Promise<RunSummary> {
  const pageSize = deps.pageSize ?? 200;
  const concurrency = deps.concurrency ?? 4;
  const limit = pLimit(concurrency);
  const state = await beginRun(deps, options, { kind: 'extract', model: deps.extractor.model });
  watchRunCost(state, concurrency);
  let cursor: string | null = null;
  try {
    do {
      const want = state.cap === null ? pageSize : Math.min(pageSize, state.cap - state.scanned);
      if (want <= 0) break;
      const page = await deps.crm.pageDeals({ cursor, limit: want, ids: state.dealIds });
      if (page.deals.length === 0) break;
      const ids = page.deals.map((d) => d.id);
      await settleBeforeDeciding(deps, ids);
      const [context, notesByDeal] = await Promise.all([
        deps.ledger.loadPageContext(OBJECT, ids, !state.live),
        deps.crm.notesForDeals(ids),
      ]);
      if (deps.watchOverturns)
        state.counts.overturned += await deps.watchOverturns({
          runId: state.runId,
          deals: page.deals,
          defs: state.defs,
        });
      const outcomes = await Promise.all(
        page.deals.map((deal) =>
          limit(() =>
            extractDeal(
              deps,
              state,
              deal,
              notesByDeal.get(deal.id) ?? [],
              context,
              options.rescan === true,
            ),
          ),
        ),
      );
      await commitOutcomes(deps, state, outcomes);
      state.scanned += page.deals.length;
      deps.onProgress?.({
        ...state,
        total: Math.min(state.total, state.cap ?? state.total),
        model: deps.extractor.model,
      });
      cursor = page.next;
    } while (cursor !== null);
  } catch (error) {
    return failRun(deps, state, error);
  }
  return finishRun(deps, state, { extraction: finishRunCost(state) });
}

/** Extracts one deal's new notes and judges every finding; a failed call becomes a `failed` outcome. */
export async function extractDeal(
  deps: RunExtractionDeps,
  state: RunState,
  deal: CrmDeal,
  notes: readonly CrmNote[],
  context: PageContext,
  rescan: boolean,
): Promise<DealOutcome> {
  const plan = planDeal({
    deal,
    notes,
    mark: context.watermarks.get(deal.id),
    fields: state.fields,
    defs: state.defs,
    rescan,
  });
  if (!needsExtraction(plan)) return notExtracted(deal, deps.extractor.model);
  const request = extractionRequest(deal, plan, state);
  try {
    const result = await deps.extractor.extract(request);
    observeExtraction(state, request, result);
    const outcome = judgeExtraction({
      deal,
      plan,
      result,
      context,
      policy: deps.policy,
      defs: state.defs,
      userIds: state.userIds,
      now: deps.clock(),
    });
    return await askSecondOpinion({
      port: deps.secondOpinion,
      outcome,
      notes: plan.fresh,
      context,
      log: state.log,
    });
  } catch (error) {
    if (error instanceof ScoutError && error.code === 'extractor_fatal') throw error;
    const message = error instanceof Error ? error.message : String(error);
    state.log.warn({ deal_id: deal.id, err: message }, 'extraction failed');
    return failedExtraction(deal, deps.extractor.model, message);
  }
}
